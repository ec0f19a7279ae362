"""Reactive plane of ``redshift-public-access``: make a publicly accessible cluster private.

Trigger: a successful create, modify or restore call (the cluster from the request), or a
NON_COMPLIANT evaluation of ``REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK`` (its resource id is the
cluster identifier). One read (``DescribeClusters``); if the cluster is public now or after
a pending change, not exempt and available, one write
(``ModifyCluster PubliclyAccessible=False``). A cluster that is not available yet is
notified: the Config rule's evaluation routes it back once it is.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.redshift_cluster import from_api, identifier_from_cloudtrail
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.redshift_public_access.policy import evaluate
from guardrails_runtime.policies.redshift_public_access.spec import SPEC
from guardrails_runtime.remediations.base import Context, OneResource, enforce, tag_exemption
from guardrails_runtime.shell import command, region_args


class RedshiftPublicAccessRemediation(OneResource):
    """Set ``PubliclyAccessible`` back to false."""

    spec = SPEC

    missing = "requestParameters.clusterIdentifier must name the cluster"
    tagging = ("redshift", "create-tags", "--resource-name", "{arn}", "--tags", "{tag}")

    def named(self, call: ApiCall) -> str | None:
        return identifier_from_cloudtrail(call.request, call.response)

    def enforce_on(self, ctx: Context, outcome: Outcome, identifier: str) -> Outcome:
        redshift = ctx.clients.get("redshift", outcome.region)
        outcome.resource = identifier
        item = _describe(redshift, identifier)
        if item is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"Redshift cluster {identifier} no longer exists"
            return outcome
        cluster = from_api(item)
        name = cluster.identifier or identifier
        outcome.resource = name
        violations = evaluate(cluster)
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = "the cluster is not publicly accessible"
            return outcome
        outcome.rule = violations[0].rule
        why = f"the Redshift cluster is publicly accessible ({violations[0].message})"
        outcome.changes = [
            Change(
                "redshift:ModifyCluster",
                name,
                {"publiclyAccessible": {"before": True, "after": False}},
                command(
                    "aws",
                    "redshift",
                    "modify-cluster",
                    *region_args(outcome.region),
                    "--cluster-identifier",
                    name,
                    "--publicly-accessible",
                ),
                UndoCall(
                    "redshift",
                    "modify_cluster",
                    {"ClusterIdentifier": name, "PubliclyAccessible": True},
                ),
            )
        ]
        exempt = tag_exemption(ctx.settings, dict(cluster.tags), "cluster", outcome)
        if exempt is None and not ctx.dry_run and cluster.status not in (None, "available"):
            outcome.decision = Decision.NOTIFIED
            outcome.reason = (
                f"{why}; the cluster is {cluster.status} and cannot be modified yet: it will "
                "be fixed when the Config rule evaluates it, once available"
            )
            return outcome

        def act() -> str:
            redshift.modify_cluster(ClusterIdentifier=name, PubliclyAccessible=False)
            return "PubliclyAccessible set to false"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _describe(redshift: Any, identifier: str) -> dict[str, Any] | None:
    try:
        found = redshift.describe_clusters(ClusterIdentifier=identifier).get("Clusters") or []
    except ClientError as exc:
        if error_code(exc) == "ClusterNotFound":
            return None
        raise
    return dict(found[0]) if found else None
