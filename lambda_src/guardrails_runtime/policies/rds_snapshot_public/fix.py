"""Reactive plane of ``rds-snapshot-public``: remove ``all`` from a snapshot's restore list.

Trigger: a successful ``ModifyDBSnapshotAttribute`` or ``ModifyDBClusterSnapshotAttribute``
(the snapshot from the request), or a NON_COMPLIANT evaluation of
``RDS_SNAPSHOTS_PUBLIC_PROHIBITED``. Two reads (the snapshot for its tags, its attributes);
when ``all`` may restore it and it is not exempt, one write removing ``all`` only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.rds_snapshot import (
    PUBLIC,
    RESTORE,
    RdsSnapshot,
    from_api,
    snapshot_from_cloudtrail,
)
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.rds_snapshot_public.policy import evaluate
from guardrails_runtime.policies.rds_snapshot_public.spec import SPEC
from guardrails_runtime.remediations.base import Context, Remediation, enforce, tag_exemption
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args


class Api(NamedTuple):
    """The RDS calls and shapes of one kind of snapshot."""

    parameter: str
    describe: str
    listed: str
    attributes: str
    result: str
    attribute_list: str
    modify: str
    cli: str
    not_found: str
    action: str


INSTANCE = Api(
    "DBSnapshotIdentifier",
    "describe_db_snapshots",
    "DBSnapshots",
    "describe_db_snapshot_attributes",
    "DBSnapshotAttributesResult",
    "DBSnapshotAttributes",
    "modify_db_snapshot_attribute",
    "modify-db-snapshot-attribute",
    "DBSnapshotNotFound",
    "rds:ModifyDBSnapshotAttribute",
)
CLUSTER = Api(
    "DBClusterSnapshotIdentifier",
    "describe_db_cluster_snapshots",
    "DBClusterSnapshots",
    "describe_db_cluster_snapshot_attributes",
    "DBClusterSnapshotAttributesResult",
    "DBClusterSnapshotAttributes",
    "modify_db_cluster_snapshot_attribute",
    "modify-db-cluster-snapshot-attribute",
    "DBClusterSnapshotNotFoundFault",
    "rds:ModifyDBClusterSnapshotAttribute",
)


class RdsSnapshotPublicRemediation(Remediation):
    """``ModifyDB[Cluster]SnapshotAttribute`` removing ``all`` from ``restore``."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        named = snapshot_from_cloudtrail(call.request)
        if named is None:
            raise MalformedEventError(
                "requestParameters.dBSnapshotIdentifier (or dBClusterSnapshotIdentifier) "
                "must name the snapshot"
            )
        return self._enforce(ctx, outcome, *named)

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        cluster = change.resource_type == "AWS::RDS::DBClusterSnapshot"
        return self._enforce(ctx, outcome, change.resource_id, cluster)

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return command(
            "aws",
            "rds",
            "add-tags-to-resource",
            *region_args(outcome.region),
            "--resource-name",
            outcome.resource_arn or "<snapshot-arn>",
            "--tags",
            f"Key={settings.exemption_tag_key},Value={settings.exemption_tag_value}",
        )

    def _enforce(self, ctx: Context, outcome: Outcome, identifier: str, cluster: bool) -> Outcome:
        rds = ctx.clients.get("rds", outcome.region)
        api = CLUSTER if cluster else INSTANCE
        outcome.resource = identifier
        snapshot, arn = _describe(rds, api, identifier, cluster)
        if snapshot is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"snapshot {identifier} no longer exists"
            return outcome
        outcome.resource, outcome.resource_arn = snapshot.identifier, arn
        violations = evaluate(snapshot)
        if not violations:
            shared = ", ".join(snapshot.accounts) or "no other account"
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"the {snapshot.kind} is not public (shared with {shared})"
            return outcome
        outcome.rule = violations[0].rule
        why = f"the {snapshot.kind} is public ({violations[0].message})"
        name = snapshot.identifier
        outcome.changes = [
            Change(
                api.action,
                name,
                {"removed": {RESTORE: PUBLIC}, "kept": list(snapshot.accounts)},
                command(
                    "aws",
                    "rds",
                    api.cli,
                    *region_args(outcome.region),
                    f"--{'db-cluster-snapshot' if cluster else 'db-snapshot'}-identifier",
                    name,
                    "--attribute-name",
                    RESTORE,
                    "--values-to-add",
                    PUBLIC,
                ),
                UndoCall(
                    "rds",
                    api.modify,
                    {api.parameter: name, "AttributeName": RESTORE, "ValuesToAdd": [PUBLIC]},
                ),
            )
        ]
        exempt = tag_exemption(ctx.settings, dict(snapshot.tags), snapshot.kind, outcome)

        def act() -> str:
            getattr(rds, api.modify)(
                **{api.parameter: name, "AttributeName": RESTORE, "ValuesToRemove": [PUBLIC]}
            )
            kept = (
                f"; still shared with {', '.join(snapshot.accounts)}" if snapshot.accounts else ""
            )
            return f"'all' was removed from the restore attribute{kept}"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _describe(
    rds: Any, api: Api, identifier: str, cluster: bool
) -> tuple[RdsSnapshot | None, str | None]:
    try:
        listed = getattr(rds, api.describe)(**{api.parameter: identifier}).get(api.listed) or []
        if not listed:
            return None, None
        name = str(listed[0].get(api.parameter) or identifier)
        found = getattr(rds, api.attributes)(**{api.parameter: name})
    except ClientError as exc:
        if error_code(exc) == api.not_found:
            return None, None
        raise
    attributes = (found.get(api.result) or {}).get(api.attribute_list) or []
    arn_key = "DBClusterSnapshotArn" if cluster else "DBSnapshotArn"
    return from_api(name, cluster, attributes, listed[0].get("TagList")), listed[0].get(arn_key)
