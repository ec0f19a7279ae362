"""Emulator hook of ``ebs-encryption`` (``guardrails replay --emulate``; never in Lambda).

``DisableEbsEncryptionByDefault`` (when it succeeded) and a Config compliance change for
the account (``AWS::::Account``): EBS encryption by default switched off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange) or not parsed.error_code:
        clients.get("ec2", region).disable_ebs_encryption_by_default()
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    ec2 = clients.get("ec2", region)
    return {"EbsEncryptionByDefault": ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]}
