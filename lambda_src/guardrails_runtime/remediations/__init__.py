"""Registry of remediations: one module per policy, listed here once.

``INDEX`` says which module handles which CloudTrail events, so that a Lambda container
imports only the remediation its event needs (cold start); a test keeps the index equal
to what each remediation class declares. ``all_remediations()`` imports them all (the
CDK side and the tests).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

from guardrails_runtime.remediations.base import Context, IamGrant, Remediation

__all__ = [
    "INDEX",
    "Context",
    "IamGrant",
    "Remediation",
    "all_remediations",
    "by_event",
    "by_policy",
]


class Entry(NamedTuple):
    policy: str
    event_source: str
    event_names: frozenset[str]  # handled and deliberately ignored events alike
    module: str
    cls: str


INDEX: tuple[Entry, ...] = (
    Entry(
        "sg-open-ingress",
        "ec2.amazonaws.com",
        frozenset(
            {
                "AuthorizeSecurityGroupIngress",
                "ModifySecurityGroupRules",
                "AuthorizeSecurityGroupEgress",
            }
        ),
        "sg_open_ingress",
        "SecurityGroupIngressRemediation",
    ),
    Entry(
        "ebs-encryption",
        "ec2.amazonaws.com",
        frozenset({"DisableEbsEncryptionByDefault"}),
        "ebs_encryption",
        "EbsEncryptionRemediation",
    ),
    Entry(
        "s3-encryption",
        "s3.amazonaws.com",
        frozenset({"DeleteBucketEncryption", "PutBucketEncryption"}),
        "s3_encryption",
        "S3EncryptionRemediation",
    ),
    Entry(
        "s3-public-access",
        "s3.amazonaws.com",
        frozenset(
            {
                "PutBucketPublicAccessBlock",
                "DeleteBucketPublicAccessBlock",
                "PutAccountPublicAccessBlock",
                "DeleteAccountPublicAccessBlock",
                "PutBucketAcl",
                "PutBucketPolicy",
            }
        ),
        "s3_public_access",
        "S3PublicAccessRemediation",
    ),
    Entry(
        "cloudtrail-enabled",
        "cloudtrail.amazonaws.com",
        frozenset({"StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"}),
        "cloudtrail_enabled",
        "CloudTrailRemediation",
    ),
)

_loaded: dict[str, Remediation] = {}


def _load(entry: Entry) -> Remediation:
    remediation = _loaded.get(entry.policy)
    if remediation is None:
        module = importlib.import_module(f"{__name__}.{entry.module}")
        remediation = getattr(module, entry.cls)()
        _loaded[entry.policy] = remediation
    return remediation


def all_remediations() -> list[Remediation]:
    """Every remediation, imported (index order)."""
    return [_load(entry) for entry in INDEX]


def by_event(event_source: str, event_name: str) -> Remediation | None:
    """The remediation triggered by a CloudTrail event, or None."""
    for entry in INDEX:
        if entry.event_source == event_source and event_name in entry.event_names:
            return _load(entry)
    return None


def by_policy(policy: str) -> Remediation | None:
    """The remediation of a policy, or None."""
    for entry in INDEX:
        if entry.policy == policy:
            return _load(entry)
    return None
