"""Adapter of ``AWS::Redshift::Cluster``: whether a Redshift cluster is reachable from the
internet.

Facts (:class:`RedshiftCluster`) from the four sources: CloudFormation
``PubliclyAccessible`` and Terraform ``publicly_accessible`` (see the static half for the
defaults), the live API (``DescribeClusters``: the flag, a pending change of it, status
and tags) and the cluster a CloudTrail record names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs
from guardrails_runtime.model import Unresolved


class RedshiftCluster(NamedTuple):
    public: bool | Unresolved | None
    where: str
    pending_public: bool | None = None
    identifier: str | None = None
    status: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


def from_api(item: Mapping[str, Any]) -> RedshiftCluster:
    """One element of ``DescribeClusters``'s ``Clusters``."""
    pending = item.get("PendingModifiedValues")
    pending_public = pending.get("PubliclyAccessible") if isinstance(pending, Mapping) else None
    raw_tags = item.get("Tags")
    return RedshiftCluster(
        public=bool(item.get("PubliclyAccessible")),
        where="PubliclyAccessible",
        pending_public=pending_public if isinstance(pending_public, bool) else None,
        identifier=str(item.get("ClusterIdentifier") or "") or None,
        status=str(item.get("ClusterStatus") or "") or None,
        tags=tag_pairs(raw_tags),
    )


def identifier_from_cloudtrail(
    request: Mapping[str, Any], response: Mapping[str, Any]
) -> str | None:
    """The cluster a create, modify or restore call names (a rename's new name first)."""
    for source, keys in (
        (request, ("newclusteridentifier", "clusteridentifier")),
        (response, ("clusteridentifier",)),
    ):
        lowered = {str(k).lower(): v for k, v in source.items()}
        for key in keys:
            value = lowered.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None
