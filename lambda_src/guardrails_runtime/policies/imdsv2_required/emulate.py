"""Emulator hook of ``imdsv2-required`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` launches, in moto, one instance per instance the record names, with the
metadata options the record implies (``RunInstances``: its request's ``metadataOptions``,
else optional; ``ModifyInstanceMetadataOptions``: its ``httpTokens``); recorded instance
ids are renamed to the emulated ones. ``after`` reports the instances' metadata options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.ec2_instance import instances_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError

# One of moto's built-in AMIs (listing them all takes seconds).
IMAGE = "ami-12c6146b"


def _tokens(call: ApiCall | ComplianceChange) -> str:
    if isinstance(call, ComplianceChange):
        return "optional"
    request = {str(k).lower(): v for k, v in call.request.items()}
    options = request.get("metadataoptions")
    value = options.get("httpTokens") if isinstance(options, Mapping) else request.get("httptokens")
    return str(value) if value in ("optional", "required") else "optional"


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    recorded = (
        [parsed.resource_id]
        if isinstance(parsed, ComplianceChange)
        else instances_from_cloudtrail(parsed.request, parsed.response)
    )
    if not recorded:
        raise MalformedEventError("the record must name the instances")
    ec2 = clients.get("ec2", region)
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    launched = ec2.run_instances(
        ImageId=IMAGE,
        MinCount=len(recorded),
        MaxCount=len(recorded),
        InstanceType="t3.micro",
        MetadataOptions={"HttpTokens": _tokens(parsed)},
        TagSpecifications=spec if tags else [],
    )["Instances"]
    return {old: new["InstanceId"] for old, new in zip(recorded, launched, strict=True)}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    ids = resource.split(", ")
    found = clients.get("ec2", region).describe_instances(InstanceIds=ids)["Reservations"]
    return {
        i["InstanceId"]: i.get("MetadataOptions", {}).get("HttpTokens")
        for r in found
        for i in r["Instances"]
    }
