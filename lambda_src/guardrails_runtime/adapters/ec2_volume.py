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


class Volume(NamedTuple):
    """``encrypted``: ``(location, bool | Unresolved)``, or None when not judged."""

    encrypted: tuple[str, Any] | None
