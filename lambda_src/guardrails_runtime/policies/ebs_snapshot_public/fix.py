"""Reactive plane of ``ebs-snapshot-public``: remove the group ``all`` from a snapshot.

Trigger: a successful ``ModifySnapshotAttribute`` (the snapshot from the request). Reads
``DescribeSnapshotAttribute`` (createVolumePermission) and ``DescribeSnapshots`` (tags);
when the group ``all`` is there and the snapshot is not exempt, one write:
``ModifySnapshotAttribute OperationType=remove GroupNames=[all]``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.ec2_snapshot import (
    PUBLIC_GROUP,
    Snapshot,
    from_api,
    snapshot_from_cloudtrail,
)
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.ebs_snapshot_public.policy import evaluate
from guardrails_runtime.policies.ebs_snapshot_public.spec import SPEC
from guardrails_runtime.remediations.base import Context, OneResource, enforce, tag_exemption
from guardrails_runtime.shell import command, region_args

ATTRIBUTE = "createVolumePermission"


class EbsSnapshotPublicRemediation(OneResource):
    """``ModifySnapshotAttribute`` removing the group ``all`` only."""

    spec = SPEC

    missing = "requestParameters.snapshotId must name the snapshot"
    tagging = ("ec2", "create-tags", "--resources", "{resource}", "--tags", "{tag}")

    def named(self, call: ApiCall) -> str | None:
        return snapshot_from_cloudtrail(call.request)

    def enforce_on(self, ctx: Context, outcome: Outcome, snapshot_id: str) -> Outcome:
        ec2 = ctx.clients.get("ec2", outcome.region)
        outcome.resource = snapshot_id
        snapshot = _describe(ec2, snapshot_id)
        if snapshot is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"snapshot {snapshot_id} no longer exists"
            return outcome
        violations = evaluate(snapshot)
        if not violations:
            outcome.decision = Decision.COMPLIANT
            shared = ", ".join(snapshot.accounts) or "no other account"
            outcome.reason = f"the snapshot is not public (shared with {shared})"
            return outcome
        outcome.rule = violations[0].rule
        why = f"the EBS snapshot is public ({violations[0].message})"
        outcome.changes = [
            Change(
                "ec2:ModifySnapshotAttribute",
                snapshot_id,
                {"removed": {"group": PUBLIC_GROUP}, "kept": list(snapshot.accounts)},
                command(
                    "aws",
                    "ec2",
                    "modify-snapshot-attribute",
                    *region_args(outcome.region),
                    "--snapshot-id",
                    snapshot_id,
                    "--attribute",
                    ATTRIBUTE,
                    "--operation-type",
                    "add",
                    "--group-names",
                    PUBLIC_GROUP,
                ),
                UndoCall(
                    "ec2",
                    "modify_snapshot_attribute",
                    {
                        "SnapshotId": snapshot_id,
                        "Attribute": ATTRIBUTE,
                        "OperationType": "add",
                        "GroupNames": [PUBLIC_GROUP],
                    },
                ),
            )
        ]
        exempt = tag_exemption(ctx.settings, dict(snapshot.tags), "snapshot", outcome)

        def act() -> str:
            ec2.modify_snapshot_attribute(
                SnapshotId=snapshot_id,
                Attribute=ATTRIBUTE,
                OperationType="remove",
                GroupNames=[PUBLIC_GROUP],
            )
            kept = (
                f"; still shared with {', '.join(snapshot.accounts)}" if snapshot.accounts else ""
            )
            return f"the group 'all' was removed{kept}"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _describe(ec2: Any, snapshot_id: str) -> Snapshot | None:
    try:
        permissions = ec2.describe_snapshot_attribute(SnapshotId=snapshot_id, Attribute=ATTRIBUTE)
        found = ec2.describe_snapshots(SnapshotIds=[snapshot_id]).get("Snapshots") or []
    except ClientError as exc:
        if error_code(exc) == "InvalidSnapshot.NotFound":
            return None
        raise
    tags = found[0].get("Tags") if found else []
    return from_api(snapshot_id, permissions.get("CreateVolumePermissions") or [], tags)
