"""Template and plan readers of the ``redshift_cluster`` adapter (static plane only).

CloudFormation documents ``PubliclyAccessible`` as optional without a default; the API
has made new clusters private by default since 2024 but older tools and snapshots may not,
so an absent flag is kept as ``None`` (could be public). The Terraform AWS provider (v5)
defaults ``publicly_accessible`` to true: the plan shows the value it will send.
"""

from __future__ import annotations

from guardrails_runtime.adapters.redshift_cluster import RedshiftCluster
from guardrails_runtime.adapters.templates import Source, boolean

KIND = "redshift-cluster"

CLOUDFORMATION_TYPES = ("AWS::Redshift::Cluster",)

TERRAFORM_TYPES = ("aws_redshift_cluster",)

OWNERS: dict[str, tuple[str, ...]] = {}


def from_cloudformation(source: Source) -> RedshiftCluster:
    where = "PubliclyAccessible"
    return RedshiftCluster(boolean(source.get(where), where), where)


def from_terraform(source: Source) -> RedshiftCluster:
    where = "publicly_accessible"
    return RedshiftCluster(boolean(source.get(where), where), where)
