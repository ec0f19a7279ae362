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


class EbsDefault(NamedTuple):
    """``enabled``: ``(location, bool | Unresolved)``."""

    enabled: tuple[str, Any]


def from_api(response: Mapping[str, Any]) -> EbsDefault:
    """``GetEbsEncryptionByDefault``'s response."""
    return EbsDefault(("EbsEncryptionByDefault", bool(response.get("EbsEncryptionByDefault"))))
