"""Adapter of ``AWS::EC2::Instance`` (and the launch templates and configurations that set
up instances): whether the instance metadata service requires session tokens (IMDSv2).

Facts (:class:`InstanceMetadata`) from templates and plans (see the static half), the live
API (``DescribeInstances``: ``MetadataOptions``, state and tags) and the instances a
CloudTrail record names (``RunInstances``' response, ``ModifyInstanceMetadataOptions``'
request).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs
from guardrails_runtime.model import Unresolved

REQUIRED = "required"


class InstanceMetadata(NamedTuple):
    """``tokens``: ``HttpTokens`` (required / optional), None when not set, or Unresolved.

    ``template``: how a static instance that sets no options gets them from a launch
    template: ``"file"`` (a template of the same file, judged itself), its id or name (one
    outside the file), or None (no template).
    """

    tokens: str | Unresolved | None
    where: str
    endpoint: str | None = None
    template: str | None = None
    instance_id: str | None = None
    state: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


def from_api(item: Mapping[str, Any]) -> InstanceMetadata:
    """One instance of ``DescribeInstances``' reservations."""
    options = item.get("MetadataOptions")
    options = options if isinstance(options, Mapping) else {}
    state = item.get("State")
    raw_tags = item.get("Tags")
    return InstanceMetadata(
        tokens=str(options.get("HttpTokens") or "") or None,
        where="MetadataOptions.HttpTokens",
        endpoint=str(options.get("HttpEndpoint") or "") or None,
        instance_id=str(item.get("InstanceId") or "") or None,
        state=str(state.get("Name")) if isinstance(state, Mapping) else None,
        tags=tag_pairs(raw_tags),
    )


def instances_from_cloudtrail(request: Mapping[str, Any], response: Mapping[str, Any]) -> list[str]:
    """The instances a call names: ``ModifyInstanceMetadataOptions``' ``instanceId``, or
    every instance in ``RunInstances``' ``instancesSet``."""
    value = {str(k).lower(): v for k, v in request.items()}.get("instanceid")
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    found = {str(k).lower(): v for k, v in response.items()}.get("instancesset")
    items = found.get("items") if isinstance(found, Mapping) else None
    return [
        str(i["instanceId"])
        for i in (items if isinstance(items, list) else [])
        if isinstance(i, Mapping) and isinstance(i.get("instanceId"), str)
    ]
