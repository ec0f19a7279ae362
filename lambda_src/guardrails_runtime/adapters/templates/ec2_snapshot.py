"""Template and plan readers of the ``ec2_snapshot`` adapter (static plane only).

Terraform shares a snapshot with ``aws_snapshot_create_volume_permission`` (one account
per resource; ``account_id = "all"`` makes it public), linked to its ``aws_ebs_snapshot``
by ``snapshot_id`` for the exemption tag. CloudFormation cannot share a snapshot.
"""

from __future__ import annotations

from guardrails_runtime.adapters.ec2_snapshot import PUBLIC_GROUP, Snapshot
from guardrails_runtime.adapters.templates import Source
from guardrails_runtime.model import Unresolved

KIND = "ebs-snapshot"

CLOUDFORMATION_TYPES: tuple[str, ...] = ()

TERRAFORM_TYPES = ("aws_ebs_snapshot", "aws_snapshot_create_volume_permission")

OWNERS = {"aws_snapshot_create_volume_permission": ("snapshot_id",)}


def from_cloudformation(source: Source) -> None:
    return None


def from_terraform(source: Source) -> Snapshot | None:
    if source.resource_type != "aws_snapshot_create_volume_permission":
        return None
    where = "account_id"
    value = source.get(where)
    if isinstance(value, Unresolved):
        return Snapshot(value, where)
    return Snapshot(str(value or "").strip().lower() == PUBLIC_GROUP, where)
