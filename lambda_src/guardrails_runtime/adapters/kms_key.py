"""Adapter of ``AWS::KMS::Key``: a customer managed key's state (deletion scheduled or not).

Facts (:class:`KmsKey`) from the live API (``DescribeKey``'s ``KeyMetadata`` and
``ListResourceTags``) and the key a CloudTrail record names. KMS keys have no declarative
deletion in templates, so there is no static half.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs

# States in which the key will be deleted unless the deletion is cancelled.
PENDING = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


class KmsKey(NamedTuple):
    key_id: str
    arn: str | None
    state: str | None
    manager: str | None  # CUSTOMER or AWS
    deletion_date: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


def from_api(metadata: Mapping[str, Any], tags: list[Any] | None = None) -> KmsKey:
    """``DescribeKey``'s ``KeyMetadata`` and ``ListResourceTags``'s ``Tags`` (TagKey/TagValue)."""
    deletion = metadata.get("DeletionDate")
    when = deletion.isoformat() if isinstance(deletion, datetime) else None
    return KmsKey(
        key_id=str(metadata.get("KeyId") or ""),
        arn=str(metadata.get("Arn") or "") or None,
        state=str(metadata.get("KeyState") or "") or None,
        manager=str(metadata.get("KeyManager") or "") or None,
        deletion_date=when,
        tags=tag_pairs(tags, "TagKey", "TagValue"),
    )


def key_from_cloudtrail(request: Mapping[str, Any], response: Mapping[str, Any]) -> str | None:
    """The key a KMS call names: the request's ``keyId`` (id, ARN or alias), else the
    response's (an ARN)."""
    for source in (request, response):
        value = {str(k).lower(): v for k, v in source.items()}.get("keyid")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
