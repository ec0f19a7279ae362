"""The static plane's registry of policies.

``STATIC_POLICIES`` is the registry of the static plane (templates, plans, CDK synth):
adding a policy means adding its module (``POLICY``, ``KINDS``, ``RULES``, ``check``) and
one line here.
"""

from __future__ import annotations

from types import ModuleType

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.policies import (
    cloudtrail_enabled,
    ebs_encryption,
    s3_encryption,
    s3_public_access,
    sg_open_ingress,
)

STATIC_POLICIES: tuple[ModuleType, ...] = (
    sg_open_ingress,
    s3_encryption,
    s3_public_access,
    cloudtrail_enabled,
    ebs_encryption,
)


def all_rules() -> list[RuleInfo]:
    """Every rule of the catalog, in catalog order."""
    return [rule for policy in STATIC_POLICIES for rule in policy.RULES]


def rule(rule_id: str) -> RuleInfo:
    """A rule by id; KeyError for an unknown id."""
    for candidate in all_rules():
        if candidate.id == rule_id:
            return candidate
    raise KeyError(rule_id)
