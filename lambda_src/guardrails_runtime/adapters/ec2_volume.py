"""Adapter of ``AWS::EC2::Volume``: whether an EBS volume is encrypted.

* CloudFormation ``Encrypted`` (absent: not encrypted unless the account default is on;
  judged as not encrypted, the template does not say);
* Terraform ``aws_ebs_volume`` ``encrypted``: provider-computed when not set (the account
  default decides, which ``ebs-encryption``'s react plane keeps on), so judged only where
  the configuration sets it or the plan knows it.

The live volume is the Config rule ``ENCRYPTED_VOLUMES``'s to report: an existing volume
cannot be encrypted in place, so no fix reads it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from guardrails_runtime.adapters import Source, flag
from guardrails_runtime.model import Unresolved

KIND = "volume"
CLOUDFORMATION_TYPES = ("AWS::EC2::Volume",)
TERRAFORM_TYPES = ("aws_ebs_volume",)
OWNERS: dict[str, tuple[str, ...]] = {}


class Volume(NamedTuple):
    """``encrypted``: ``(location, bool | Unresolved)``, or None when not judged."""

    encrypted: tuple[str, Any] | None


def from_cloudformation(source: Source) -> Volume:
    value = source.get("Encrypted")
    return Volume(("Encrypted", False if value is None else flag(value)))


def from_terraform(source: Source) -> Volume:
    value = source.get("encrypted")
    if isinstance(value, Unresolved) and not source.declared("encrypted"):
        return Volume(None)
    return Volume(("encrypted", False if value is None else flag(value)))
