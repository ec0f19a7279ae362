"""Policy ``redshift-public-access``: pure logic over :class:`RedshiftCluster` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.redshift_cluster import RedshiftCluster
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(cluster: RedshiftCluster, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-RS1 when public now or after a pending change; GR-RS2 when it could be."""
    if cluster.public is True:
        return [Violation("GR-RS1", f"{cluster.where} is true", cluster.where)]
    if cluster.pending_public is True:
        return [Violation("GR-RS1", f"{cluster.where} is scheduled to become true", cluster.where)]
    if isinstance(cluster.public, Unresolved):
        return [Violation("GR-RS2", cluster.public.why, cluster.public.where or cluster.where)]
    if cluster.public is None:
        return [
            Violation(
                "GR-RS2",
                f"{cluster.where} is absent: older API versions and restores may make the "
                "cluster public",
                cluster.where,
            )
        ]
    return []
