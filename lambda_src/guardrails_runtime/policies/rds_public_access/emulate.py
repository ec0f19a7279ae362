"""Emulator hook of ``rds-public-access`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates, in moto, the DB instance a recorded call or Config evaluation names,
public as the record says; ``after`` reports the instance's state after the handler ran.
The Lambda asset leaves this module out (it needs moto's in-memory AWS).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.rds_db_instance import identifier_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError


def _recorded_public(call: ApiCall) -> bool:
    """``publiclyAccessible`` as the request says, else as the response says, else false."""
    for source in (call.request, call.response):
        lowered = {str(k).lower(): v for k, v in source.items()}
        value = lowered.get("publiclyaccessible")
        if isinstance(value, bool):
            return value
    return False


def _create(
    clients: Clients, region: str, identifier: str, public: bool, tags: Mapping[str, str]
) -> str:
    rds = clients.get("rds", region)
    created = rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername="emulated",
        MasterUserPassword="emulated-password-1",
        PubliclyAccessible=public,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["DBInstance"]
    return str(created["DbiResourceId"])


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    """Create the instance; return renames of recorded ids to emulated ones."""
    if isinstance(parsed, ComplianceChange):
        resource_id = _create(clients, region, "emulated-db", True, tags)
        return {parsed.resource_id: resource_id}
    if parsed.error_code:
        return {}
    identifier = identifier_from_cloudtrail(parsed.request, parsed.response)
    if identifier is None:
        raise MalformedEventError("requestParameters.dBInstanceIdentifier must name the instance")
    _create(clients, region, identifier, _recorded_public(parsed), tags)
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    rds = clients.get("rds", region)
    found = rds.describe_db_instances(DBInstanceIdentifier=resource)["DBInstances"]
    if not found:
        return None
    item = found[0]
    return {
        "DBInstanceIdentifier": item["DBInstanceIdentifier"],
        "PubliclyAccessible": item.get("PubliclyAccessible"),
        "TagList": item.get("TagList", []),
    }
