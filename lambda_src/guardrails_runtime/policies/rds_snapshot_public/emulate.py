"""Emulator hook of ``rds-snapshot-public`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` creates, in moto, a DB instance (or cluster) and a manual snapshot of the name
the record gives, and performs the recorded call (the values it adds to ``restore``);
``after`` reports the snapshot's ``restore`` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.rds_snapshot import RESTORE, snapshot_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError

_LOGIN = {"MasterUsername": "emulated", "MasterUserPassword": "emulated-password-1"}


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange):
        named: tuple[str, bool] | None = (
            parsed.resource_id,
            parsed.resource_type == "AWS::RDS::DBClusterSnapshot",
        )
        added = ["all"]
    else:
        named = snapshot_from_cloudtrail(parsed.request)
        values = {str(k).lower(): v for k, v in parsed.request.items()}.get("valuestoadd")
        added = (
            [str(v) for v in values] if isinstance(values, list) and not parsed.error_code else []
        )
    if named is None:
        raise MalformedEventError("requestParameters must name the snapshot")
    identifier, cluster = named
    rds = clients.get("rds", region)
    tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
    if cluster:
        rds.create_db_cluster(
            DBClusterIdentifier="emulated-cluster", Engine="aurora-postgresql", **_LOGIN
        )
        rds.create_db_cluster_snapshot(
            DBClusterSnapshotIdentifier=identifier,
            DBClusterIdentifier="emulated-cluster",
            Tags=tag_list,
        )
        if added:
            rds.modify_db_cluster_snapshot_attribute(
                DBClusterSnapshotIdentifier=identifier, AttributeName=RESTORE, ValuesToAdd=added
            )
    else:
        rds.create_db_instance(
            DBInstanceIdentifier="emulated-db",
            Engine="postgres",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            **_LOGIN,
        )
        rds.create_db_snapshot(
            DBSnapshotIdentifier=identifier, DBInstanceIdentifier="emulated-db", Tags=tag_list
        )
        if added:
            rds.modify_db_snapshot_attribute(
                DBSnapshotIdentifier=identifier, AttributeName=RESTORE, ValuesToAdd=added
            )
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    rds = clients.get("rds", region)
    try:
        result = rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=resource)
        attributes = result["DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
    except rds.exceptions.DBSnapshotNotFoundFault:
        result = rds.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier=resource)
        attributes = result["DBClusterSnapshotAttributesResult"]["DBClusterSnapshotAttributes"]
    return {"Snapshot": resource, "Attributes": attributes}
