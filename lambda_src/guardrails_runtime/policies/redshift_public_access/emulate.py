"""Emulator hook of ``redshift-public-access`` (``guardrails replay --emulate``; never in
Lambda).

``prepare`` creates, in moto, the cluster a recorded call or Config evaluation names,
public as the record says (request, else response; a Config evaluation: public), and
available; ``after`` reports the cluster's flag and tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.redshift_cluster import identifier_from_cloudtrail
from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError


def _recorded_public(call: ApiCall) -> bool:
    for source in (call.request, call.response):
        value = {str(k).lower(): v for k, v in source.items()}.get("publiclyaccessible")
        if isinstance(value, bool):
            return value
    return False


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange):
        identifier: str | None = parsed.resource_id
        public = True
    else:
        identifier = identifier_from_cloudtrail(parsed.request, parsed.response)
        public = _recorded_public(parsed) and not parsed.error_code
    if identifier is None:
        raise MalformedEventError("requestParameters.clusterIdentifier must name the cluster")
    redshift = clients.get("redshift", region)
    redshift.create_cluster(
        ClusterIdentifier=identifier,
        NodeType="ra3.xlplus",
        MasterUsername="emulated",
        MasterUserPassword="Emulated-password-1",
        PubliclyAccessible=public,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    redshift.describe_clusters(ClusterIdentifier=identifier)  # moto: creating -> available
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    [item] = clients.get("redshift", region).describe_clusters(ClusterIdentifier=resource)[
        "Clusters"
    ]
    return {
        "ClusterIdentifier": item["ClusterIdentifier"],
        "PubliclyAccessible": item.get("PubliclyAccessible"),
        "Tags": item.get("Tags", []),
    }
