"""Emulator hook of ``ssm-document-public`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates, in moto, a Command document of the name the record gives and performs
the recorded ``ModifyDocumentPermission`` (the accounts it adds); ``after`` reports the
document's share permission.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.ssm_document import name_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError

CONTENT = {
    "schemaVersion": "2.2",
    "description": "emulated",
    "mainSteps": [
        {"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["true"]}}
    ],
}


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange):
        name: str | None = parsed.resource_id
        added = ["All"]
    else:
        name = name_from_cloudtrail(parsed.request)
        values = {str(k).lower(): v for k, v in parsed.request.items()}.get("accountidstoadd")
        ok = isinstance(values, list) and not parsed.error_code
        added = [str(v) for v in values] if ok and isinstance(values, list) else []
    if name is None:
        raise MalformedEventError("requestParameters.name must name the document")
    ssm = clients.get("ssm", region)
    ssm.create_document(
        Content=json.dumps(CONTENT),
        Name=name,
        DocumentType="Command",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    if added:
        ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToAdd=added)
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    found = clients.get("ssm", region).describe_document_permission(
        Name=resource, PermissionType="Share"
    )
    return {"Name": resource, "AccountIds": found.get("AccountIds", [])}
