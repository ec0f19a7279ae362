"""Emulator hook of ``s3-public-access`` (``guardrails replay --emulate``; never in Lambda).

* ``PutBucketAcl`` (canned ``x-amz-acl``), ``PutBucketPublicAccessBlock``,
  ``DeleteBucketPublicAccessBlock``, ``PutBucketPolicy``: the bucket as the call left it;
* ``Put``/``DeleteAccountPublicAccessBlock``: the account's setting as the call left it,
  under moto's account id (its S3 Control accepts no other; the event is rewritten);
* Config compliance change for a bucket: a bucket without Block Public Access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import (
    MOTO_ACCOUNT,
    create_bucket,
    read_or_none,
    recorded_bucket,
    recorded_flags,
)
from guardrails_runtime.events import ApiCall, ComplianceChange

_ACCOUNT = ("PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock")


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    s3 = clients.get("s3", region)
    if isinstance(parsed, ComplianceChange):
        create_bucket(s3, parsed.resource_id, region)
        return {}
    if parsed.event_name in _ACCOUNT:
        if parsed.event_name == _ACCOUNT[0] and not parsed.error_code:
            clients.get("s3control", region).put_public_access_block(
                AccountId=MOTO_ACCOUNT, PublicAccessBlockConfiguration=recorded_flags(parsed)
            )
        return {parsed.account: MOTO_ACCOUNT} if parsed.account else {}
    name = recorded_bucket(s3, parsed, region)
    if name is None:
        return {}
    if parsed.event_name == "PutBucketAcl":
        canned = parsed.request.get("x-amz-acl")
        canned = canned[0] if isinstance(canned, list) and canned else canned
        if isinstance(canned, str) and canned:
            s3.put_bucket_acl(Bucket=name, ACL=canned)
    elif parsed.event_name == "PutBucketPublicAccessBlock":
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=recorded_flags(parsed)
        )
    elif parsed.event_name == "PutBucketPolicy":
        policy = parsed.request.get("bucketPolicy")
        if isinstance(policy, dict):
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    key = "PublicAccessBlockConfiguration"
    if resource.startswith("account/"):
        account = resource.split("/", 1)[1]
        control = clients.get("s3control", region)
        flags = read_or_none(control, "get_public_access_block", key, AccountId=account)
        return {"Account": account, key: flags}
    s3 = clients.get("s3", region)
    flags = read_or_none(s3, "get_public_access_block", key, Bucket=resource)
    grants = s3.get_bucket_acl(Bucket=resource)["Grants"]
    return {"Bucket": resource, key: flags, "Grants": grants}
