"""Emulator hook of ``s3-public-access`` (``guardrails replay --emulate``; never in Lambda).

* ``PutBucketAcl`` (canned ``x-amz-acl``, or the grants of ``AccessControlPolicy``),
  ``PutBucketPublicAccessBlock``, ``DeleteBucketPublicAccessBlock``, ``PutBucketPolicy``:
  the bucket as the call left it. A ``Put*PublicAccessBlock`` record without its
  configuration does not say which flags it set: the emulator does not guess
  (``unsupported``, with that reason);
* ``Put``/``DeleteAccountPublicAccessBlock``: the account's setting as the call left it,
  under moto's account id (its S3 Control accepts no other; the event is rewritten);
* Config compliance change for a bucket: a bucket without Block Public Access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters import as_list
from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import (
    MOTO_ACCOUNT,
    EmulationError,
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
        elif parsed.request.get("AccessControlPolicy") is not None:
            s3.put_bucket_acl(
                Bucket=name, AccessControlPolicy=_recorded_acl(parsed.request, s3, name)
            )
    elif parsed.event_name == "PutBucketPublicAccessBlock":
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=recorded_flags(parsed)
        )
    elif parsed.event_name == "PutBucketPolicy":
        policy = parsed.request.get("bucketPolicy")
        if isinstance(policy, dict):
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    return {}


def _recorded_acl(request: Mapping[str, Any], s3: Any, bucket: str) -> dict[str, Any]:
    """The ``AccessControlPolicy`` of a recorded ``PutBucketAcl`` in the API's shape:
    CloudTrail writes the XML body as JSON (``AccessControlList.Grant``, one object or a
    list; ``Grantee`` with ``xsi:type`` and ``URI``/``ID``)."""
    body = request["AccessControlPolicy"]
    if not isinstance(body, Mapping):
        raise EmulationError("requestParameters.AccessControlPolicy is not an object")
    listed = body.get("AccessControlList")
    grants = listed.get("Grant") if isinstance(listed, Mapping) else None
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]  # the recorded owner is another account
    out = []
    for grant in as_list(grants or None):
        grantee = grant.get("Grantee") if isinstance(grant, Mapping) else None
        if not isinstance(grantee, Mapping):
            raise EmulationError(f"a recorded grant has no Grantee: {grant!r:.120}")
        kind = grantee.get("xsi:type") or grantee.get("type") or grantee.get("Type")
        entry: dict[str, Any] = {"Type": kind}
        for key in ("URI", "ID", "EmailAddress"):
            if grantee.get(key):
                entry[key] = grantee[key]
        if kind == "CanonicalUser":
            entry["ID"] = owner["ID"]
        out.append({"Grantee": entry, "Permission": grant.get("Permission")})
    return {"Grants": out, "Owner": owner}


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
    try:
        grants = s3.get_bucket_acl(Bucket=resource)["Grants"]
    except AttributeError:  # moto cannot serialise an ACL left without any grant
        grants = []
    return {"Bucket": resource, key: flags, "Grants": grants}
