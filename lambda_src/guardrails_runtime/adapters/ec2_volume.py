"""Adapter of ``AWS::EC2::Volume``: whether an EBS volume is encrypted.

* CloudFormation ``Encrypted``, Terraform ``aws_ebs_volume`` ``encrypted``. Unset (absent
  from the template; not in the configuration and unknown in the plan), the account's
  EBS encryption by default decides, which the file does not show: both formats read it
  as absent (``None``), and the policy judges absent the same way for both.
* ``key``: where a KMS key is named (``KmsKeyId``/``kms_key_id``), "" when none is.

The live volume is the Config rule ``ENCRYPTED_VOLUMES``'s to report: an existing volume
cannot be encrypted in place, so no fix reads it.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Volume(NamedTuple):
    """``encrypted``: ``(location, bool | Unresolved | None)``, None when unset."""

    encrypted: tuple[str, Any]
    key: str = ""
