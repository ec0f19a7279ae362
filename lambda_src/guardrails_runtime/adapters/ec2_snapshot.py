"""Adapter of ``AWS::EC2::Snapshot``: who may create volumes from an EBS snapshot.

Facts (:class:`Snapshot`) from the live API (``DescribeSnapshotAttribute``'s
``CreateVolumePermissions``: ``{"Group": "all"}`` is everyone, ``{"UserId": ...}`` one
account) and from Terraform (``aws_snapshot_create_volume_permission``; CloudFormation has
no resource that shares a snapshot). The snapshot a CloudTrail record names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs
from guardrails_runtime.model import Unresolved

PUBLIC_GROUP = "all"


class Snapshot(NamedTuple):
    """``public``: True when the group ``all`` may create volumes from the snapshot."""

    public: bool | Unresolved | None
    where: str
    snapshot_id: str | None = None
    accounts: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


def from_api(snapshot_id: str, permissions: list[Any], tags: list[Any] | None = None) -> Snapshot:
    """``CreateVolumePermissions`` and the snapshot's ``Tags`` (Key/Value)."""
    items = [p for p in permissions if isinstance(p, Mapping)]
    return Snapshot(
        public=any(str(p.get("Group", "")).lower() == PUBLIC_GROUP for p in items),
        where="CreateVolumePermissions",
        snapshot_id=snapshot_id,
        accounts=tuple(str(p["UserId"]) for p in items if p.get("UserId")),
        tags=tag_pairs(tags),
    )


def snapshot_from_cloudtrail(request: Mapping[str, Any]) -> str | None:
    value = {str(k).lower(): v for k, v in request.items()}.get("snapshotid")
    return value.strip() if isinstance(value, str) and value.strip() else None
