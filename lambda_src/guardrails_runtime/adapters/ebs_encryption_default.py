"""Adapter of the account setting *EBS encryption by default* (one per account and region).

* Terraform ``aws_ebs_encryption_by_default`` ``enabled`` (defaults to true); CloudFormation
  has no resource for it;
* the live API: ``GetEbsEncryptionByDefault`` (:func:`from_api`);
* CloudTrail: ``DisableEbsEncryptionByDefault`` names nothing: the setting is the event's
  account and region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import Source, flag

KIND = "ebs-default"
CLOUDFORMATION_TYPES: tuple[str, ...] = ()
TERRAFORM_TYPES = ("aws_ebs_encryption_by_default",)
OWNERS: dict[str, tuple[str, ...]] = {}


class EbsDefault(NamedTuple):
    """``enabled``: ``(location, bool | Unresolved)``."""

    enabled: tuple[str, Any]


def from_terraform(source: Source) -> EbsDefault:
    value = source.get("enabled")
    return EbsDefault(("enabled", True if value is None else flag(value)))


def from_api(response: Mapping[str, Any]) -> EbsDefault:
    """``GetEbsEncryptionByDefault``'s response."""
    return EbsDefault(("EbsEncryptionByDefault", bool(response.get("EbsEncryptionByDefault"))))
