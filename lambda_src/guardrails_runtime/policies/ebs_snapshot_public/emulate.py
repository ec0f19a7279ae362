"""Emulator hook of ``ebs-snapshot-public`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates a volume and a snapshot in moto, performs the recorded
``ModifySnapshotAttribute`` (the groups and accounts the record adds) on it and renames the
recorded snapshot id to the emulated one; ``after`` reports its volume permissions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.ec2_snapshot import snapshot_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError


def _added(request: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Groups and accounts the record adds (CloudTrail: createVolumePermission.add.items)."""
    permission = request.get("createVolumePermission")
    add = permission.get("add") if isinstance(permission, Mapping) else None
    items = add.get("items") if isinstance(add, Mapping) else None
    groups, users = [], []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping) and item.get("group"):
            groups.append(str(item["group"]))
        if isinstance(item, Mapping) and item.get("userId"):
            users.append(str(item["userId"]))
    return groups, users


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange):
        return {}
    recorded = snapshot_from_cloudtrail(parsed.request)
    if recorded is None:
        raise MalformedEventError("requestParameters.snapshotId must name the snapshot")
    ec2 = clients.get("ec2", region)
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8)["VolumeId"]
    spec = [{"ResourceType": "snapshot", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    snapshot = ec2.create_snapshot(VolumeId=volume, TagSpecifications=spec if tags else [])
    snapshot_id = snapshot["SnapshotId"]
    groups, users = _added(parsed.request)
    if not parsed.error_code and (groups or users):
        ec2.modify_snapshot_attribute(
            SnapshotId=snapshot_id,
            Attribute="createVolumePermission",
            OperationType="add",
            **({"GroupNames": groups} if groups else {}),
            **({"UserIds": users} if users else {}),
        )
    return {recorded: snapshot_id}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    found = clients.get("ec2", region).describe_snapshot_attribute(
        SnapshotId=resource, Attribute="createVolumePermission"
    )
    return {"SnapshotId": resource, "CreateVolumePermissions": found["CreateVolumePermissions"]}
