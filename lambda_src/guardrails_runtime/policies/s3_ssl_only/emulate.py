"""Emulator hook of ``s3-ssl-only`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates the bucket the record names and performs the recorded call
(``PutBucketPolicy`` with its policy, ``DeleteBucketPolicy`` after putting a TLS deny);
``after`` reports the bucket policy's statement ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.s3_bucket import name_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import create_bucket
from guardrails_runtime.events import ApiCall, ComplianceChange


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    bucket = (
        parsed.resource_id
        if isinstance(parsed, ComplianceChange)
        else name_from_cloudtrail(parsed.request)
    )
    s3 = clients.get("s3", region)
    create_bucket(s3, bucket, region)
    if tags:
        s3.put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
        )
    if isinstance(parsed, ApiCall) and not parsed.error_code:
        policy = parsed.request.get("bucketPolicy")
        if parsed.event_name == "PutBucketPolicy" and isinstance(policy, Mapping):
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    s3 = clients.get("s3", region)
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=resource)["Policy"])
    except s3.exceptions.ClientError:
        return {"Bucket": resource, "Statements": []}
    return {"Bucket": resource, "Statements": [s.get("Sid") for s in policy.get("Statement", [])]}
