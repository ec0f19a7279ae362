"""Reactive plane of ``rds-public-access``: make a publicly accessible DB instance private.

Trigger: a successful create, modify or restore call (the identifier comes from the
request), or a NON_COMPLIANT evaluation of ``RDS_INSTANCE_PUBLIC_ACCESS_CHECK`` (whose
resource id is the instance's ``DbiResourceId``). One read (``DescribeDBInstances``);
if the instance is public now or after a pending change, not exempt and available, one
write (``ModifyDBInstance PubliclyAccessible=False, ApplyImmediately=True``).

An instance that is still being created or restored cannot be modified: the decision is
``notified`` with the reason, and the Config rule's evaluation once the instance exists
routes it back here.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.rds_db_instance import (
    DbInstance,
    from_api,
    identifier_from_cloudtrail,
)
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.rds_public_access.policy import evaluate
from guardrails_runtime.policies.rds_public_access.spec import SPEC
from guardrails_runtime.remediations.base import Context, Remediation, enforce, tag_exemption
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args

NOT_FOUND = "DBInstanceNotFound"
# Statuses in which ModifyDBInstance is accepted.
MODIFIABLE = frozenset({"available", "storage-optimization", "backing-up", "modifying"})


class RdsPublicAccessRemediation(Remediation):
    """Set ``PubliclyAccessible`` back to false, applied immediately."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        identifier = identifier_from_cloudtrail(call.request, call.response)
        if identifier is None:
            raise MalformedEventError(
                "requestParameters.dBInstanceIdentifier must name the DB instance"
            )
        return self._enforce(ctx, outcome, identifier=identifier)

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self._enforce(ctx, outcome, resource_id=change.resource_id)

    def recheck(self, resource: str, ctx: Context, outcome: Outcome) -> Outcome:
        """The ledger and the tagging calls name an instance by identifier or ARN (both
        are accepted by DescribeDBInstances)."""
        return self._enforce(ctx, outcome, identifier=resource)

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        arn = outcome.resource_arn or "<db-instance-arn>"
        return command(
            "aws",
            "rds",
            "add-tags-to-resource",
            *region_args(outcome.region),
            "--resource-name",
            arn,
            "--tags",
            f"Key={settings.exemption_tag_key},Value={settings.exemption_tag_value}",
        )

    def _enforce(
        self,
        ctx: Context,
        outcome: Outcome,
        *,
        identifier: str | None = None,
        resource_id: str | None = None,
    ) -> Outcome:
        rds = ctx.clients.get("rds", outcome.region)
        item = _describe(rds, identifier, resource_id)
        if item is None:
            outcome.resource = identifier or resource_id
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"DB instance {outcome.resource} no longer exists"
            return outcome
        db = from_api(item)
        outcome.resource = db.identifier
        outcome.resource_arn = db.arn
        violations = evaluate(db)
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = "the DB instance is not publicly accessible"
            return outcome
        outcome.rule = violations[0].rule
        why = f"the DB instance is publicly accessible ({violations[0].message})"
        name = db.identifier or ""
        outcome.changes = [
            Change(
                "rds:ModifyDBInstance",
                name,
                {"publiclyAccessible": {"before": True, "after": False}},
                command(
                    "aws",
                    "rds",
                    "modify-db-instance",
                    *region_args(outcome.region),
                    "--db-instance-identifier",
                    name,
                    "--publicly-accessible",
                    "--apply-immediately",
                ),
                UndoCall(
                    "rds",
                    "modify_db_instance",
                    {
                        "DBInstanceIdentifier": name,
                        "PubliclyAccessible": True,
                        "ApplyImmediately": True,
                    },
                ),
            )
        ]
        exempt = tag_exemption(
            ctx.settings, [dict(Key=k, Value=v) for k, v in db.tags], "DB instance", outcome
        )
        if exempt is None and not ctx.dry_run and not _modifiable(db):
            outcome.decision = Decision.NOTIFIED
            outcome.reason = (
                f"{why}; the instance is {db.status} and cannot be modified yet: it will be "
                "fixed when the Config rule evaluates it, once available"
            )
            return outcome

        def act() -> str:
            rds.modify_db_instance(
                DBInstanceIdentifier=name, PubliclyAccessible=False, ApplyImmediately=True
            )
            return "PubliclyAccessible set to false, applied immediately"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _modifiable(db: DbInstance) -> bool:
    return db.status is None or db.status in MODIFIABLE


def _describe(rds: Any, identifier: str | None, resource_id: str | None) -> dict[str, Any] | None:
    """The instance's description by identifier, or by DbiResourceId (Config's id)."""
    try:
        if identifier is not None:
            found = rds.describe_db_instances(DBInstanceIdentifier=identifier)
        else:
            found = rds.describe_db_instances(
                Filters=[{"Name": "dbi-resource-id", "Values": [resource_id]}]
            )
            if not found.get("DBInstances") and resource_id:
                # Not a resource id after all: some sources name the instance itself.
                return _describe(rds, resource_id, None)
    except ClientError as exc:
        if error_code(exc) == NOT_FOUND:
            return None
        raise
    instances = found.get("DBInstances") or []
    return dict(instances[0]) if instances else None
