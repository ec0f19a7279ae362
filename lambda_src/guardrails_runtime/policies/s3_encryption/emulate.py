"""Emulator hook of ``s3-encryption`` (``guardrails replay --emulate``; never in Lambda).

* ``DeleteBucketEncryption`` / ``PutBucketEncryption``: the named bucket, with its
  encryption deleted (moto then reports none, as AWS did before 2023) or set as recorded;
* Config compliance change for a bucket: a bucket without encryption.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import create_bucket, read_or_none, recorded_bucket
from guardrails_runtime.events import ApiCall, ComplianceChange


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    s3 = clients.get("s3", region)
    if isinstance(parsed, ComplianceChange):
        create_bucket(s3, parsed.resource_id, region)
        s3.delete_bucket_encryption(Bucket=parsed.resource_id)
        return {}
    name = recorded_bucket(s3, parsed, region)
    if name is None:
        return {}
    if parsed.event_name == "DeleteBucketEncryption":
        s3.delete_bucket_encryption(Bucket=name)
        return {}
    recorded = (parsed.request.get("ServerSideEncryptionConfiguration") or {}).get("Rule") or {}
    default = recorded.get("ApplyServerSideEncryptionByDefault") or {}
    algorithm = default.get("SSEAlgorithm") or "AES256"
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]
        },
    )
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    s3 = clients.get("s3", region)
    key = "ServerSideEncryptionConfiguration"
    return {
        "Bucket": resource,
        key: read_or_none(s3, "get_bucket_encryption", key, Bucket=resource),
    }
