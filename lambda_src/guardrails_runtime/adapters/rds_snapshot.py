"""Adapter of ``AWS::RDS::DBSnapshot`` and ``AWS::RDS::DBClusterSnapshot``: who may restore
a manual RDS (or Aurora, DocumentDB) snapshot.

Facts (:class:`RdsSnapshot`) from the live API: the ``restore`` attribute's values
(``all`` is every AWS account, else account ids) and the snapshot's ``TagList``; and the
snapshot a CloudTrail record names (instance or cluster snapshot).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs

PUBLIC = "all"
RESTORE = "restore"


class RdsSnapshot(NamedTuple):
    identifier: str
    cluster: bool
    public: bool
    accounts: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> str:
        return "DB cluster snapshot" if self.cluster else "DB snapshot"


def from_api(
    identifier: str, cluster: bool, attributes: list[Any], tags: list[Any] | None = None
) -> RdsSnapshot:
    """``DescribeDB[Cluster]SnapshotAttributes``'s attribute list and the snapshot's tags."""
    values: list[str] = []
    for attribute in attributes:
        if isinstance(attribute, Mapping) and attribute.get("AttributeName") == RESTORE:
            values.extend(str(v) for v in attribute.get("AttributeValues") or [])
    return RdsSnapshot(
        identifier=identifier,
        cluster=cluster,
        public=any(v.lower() == PUBLIC for v in values),
        accounts=tuple(v for v in values if v.lower() != PUBLIC),
        tags=tag_pairs(tags),
    )


def snapshot_from_cloudtrail(request: Mapping[str, Any]) -> tuple[str, bool] | None:
    """``(identifier, is_cluster_snapshot)`` of the snapshot a call names."""
    lowered = {str(k).lower(): v for k, v in request.items()}
    for key, cluster in (("dbclustersnapshotidentifier", True), ("dbsnapshotidentifier", False)):
        value = lowered.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip(), cluster
    return None
