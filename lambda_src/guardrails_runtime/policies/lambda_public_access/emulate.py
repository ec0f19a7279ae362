"""Emulator hook of ``lambda-public-access`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates, in moto, the function the record names (a role and a one-line zip)
and performs the recorded call: ``AddPermission`` with its statement id, action and
principal (and source ARN/account when recorded), or a function URL with the recorded
auth type. ``after`` reports the function's policy statements and URL auth type.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.lambda_function import function_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError


def create_function(clients: Clients, region: str, name: str, tags: Mapping[str, str]) -> None:
    role = clients.get("iam", region).create_role(
        RoleName=f"emulated-{name}"[:64], AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    clients.get("lambda", region).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
        Tags=dict(tags),
    )


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange):
        create_function(clients, region, parsed.resource_id, tags)
        clients.get("lambda", region).add_permission(
            FunctionName=parsed.resource_id,
            StatementId="emulated-public",
            Action="lambda:InvokeFunction",
            Principal="*",
        )
        return {}
    named = function_from_cloudtrail(parsed.request)
    if named is None:
        raise MalformedEventError("requestParameters.functionName must name the function")
    name = named[0].rsplit(":function:", 1)[-1].split(":")[0]
    create_function(clients, region, name, tags)
    if parsed.error_code:
        return {}
    request = {str(k).lower(): v for k, v in parsed.request.items()}
    client = clients.get("lambda", region)
    if parsed.event_name.startswith("AddPermission"):
        extra = {
            key: request[key.lower()]
            for key in ("SourceArn", "SourceAccount", "PrincipalOrgID")
            if isinstance(request.get(key.lower()), str)
        }
        client.add_permission(
            FunctionName=name,
            StatementId=str(request.get("statementid") or "emulated"),
            Action=str(request.get("action") or "lambda:InvokeFunction"),
            Principal=str(request.get("principal") or "*"),
            **extra,
        )
    else:
        client.create_function_url_config(
            FunctionName=name, AuthType=str(request.get("authtype") or "NONE")
        )
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    client = clients.get("lambda", region)
    try:
        statements = json.loads(client.get_policy(FunctionName=resource)["Policy"])["Statement"]
    except client.exceptions.ResourceNotFoundException:
        statements = []
    return {"FunctionName": resource, "Statements": [s.get("Sid") for s in statements]}
