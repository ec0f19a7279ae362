"""Emulator hook of ``kms-key-deletion`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates an enabled customer managed key in moto and, for a successful
``ScheduleKeyDeletion`` (or a Config evaluation), schedules its deletion; the recorded key
id and ARN are renamed to the emulated key's. ``after`` reports the key's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.kms_key import key_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    found = (
        parsed.resource_id
        if isinstance(parsed, ComplianceChange)
        else key_from_cloudtrail(parsed.request, parsed.response)
    )
    if found is None:
        raise MalformedEventError("requestParameters.keyId must name the KMS key")
    recorded: str = found
    kms = clients.get("kms", region)
    metadata = kms.create_key(
        Description="emulated", Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()]
    )["KeyMetadata"]
    if isinstance(parsed, ComplianceChange) or not parsed.error_code:
        kms.schedule_key_deletion(KeyId=metadata["KeyId"], PendingWindowInDays=7)
    renames = {recorded: metadata["KeyId"]}
    if isinstance(parsed, ApiCall):
        arn = {str(k).lower(): v for k, v in parsed.response.items()}.get("keyid")
        if isinstance(arn, str) and arn.startswith("arn:"):
            renames[arn] = metadata["Arn"]
    return renames


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    metadata = clients.get("kms", region).describe_key(KeyId=resource)["KeyMetadata"]
    return {
        "KeyId": metadata["KeyId"],
        "KeyState": metadata.get("KeyState"),
        "Enabled": metadata.get("Enabled"),
        "DeletionDate": str(metadata["DeletionDate"]) if metadata.get("DeletionDate") else None,
    }
