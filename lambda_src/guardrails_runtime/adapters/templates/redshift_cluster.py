"""Template and plan readers of the ``redshift_cluster`` adapter (static plane only).

CloudFormation documents ``PubliclyAccessible`` as optional without a default; the API
has made new clusters private by default since 2024 but older tools and snapshots may not,
so an absent flag is kept as ``None`` (could be public). The Terraform AWS provider (v5)
defaults ``publicly_accessible`` to true: the plan shows the value it will send.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.redshift_cluster import RedshiftCluster
from guardrails_runtime.adapters.templates import Source
from guardrails_runtime.model import Unresolved

KIND = "redshift-cluster"

CLOUDFORMATION_TYPES = ("AWS::Redshift::Cluster",)

TERRAFORM_TYPES = ("aws_redshift_cluster",)

OWNERS: dict[str, tuple[str, ...]] = {}


def _public(value: Any, where: str) -> bool | Unresolved | None:
    value = flag(value)
    if value is None or isinstance(value, bool | Unresolved):
        return value
    return Unresolved(where, f"{where} is {value!r}, not a boolean")


def from_cloudformation(source: Source) -> RedshiftCluster:
    where = "PubliclyAccessible"
    return RedshiftCluster(_public(source.get(where), where), where)


def from_terraform(source: Source) -> RedshiftCluster:
    where = "publicly_accessible"
    return RedshiftCluster(_public(source.get(where), where), where)
