"""Adapter of ``AWS::Config::ConfigurationRecorder``: whether AWS Config records the region.

Facts (:class:`Recorder`) from templates and plans (what the recording group records; a
Terraform ``aws_config_configuration_recorder_status`` says whether it runs) and from the
live API (``DescribeConfigurationRecorders``, ``...RecorderStatus``,
``DescribeDeliveryChannels``). A region without a recorder is one :class:`Recorder` with
``exists=False``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.model import Unresolved


class Recorder(NamedTuple):
    """``records``: the group records some resource type; ``running``: recording now;
    ``channel``: a delivery channel exists (a recorder cannot start without one). None
    where the source does not say."""

    where: str
    records: bool | Unresolved | None = None
    running: bool | Unresolved | None = None
    name: str | None = None
    exists: bool = True
    channel: bool | None = None


def records(group: Mapping[str, Any] | None) -> bool:
    """Whether a recording group (the API's camelCase shape) records anything."""
    if not group:
        return True  # no group: all supported types
    strategy = group.get("recordingStrategy")
    use = strategy.get("useOnly") if isinstance(strategy, Mapping) else None
    if group.get("allSupported") or use in ("ALL_SUPPORTED_RESOURCE_TYPES",):
        return True
    if use == "EXCLUSION_BY_RESOURCE_TYPES":
        return True  # everything but the excluded types
    return bool(group.get("resourceTypes"))


def from_api(
    recorder: Mapping[str, Any] | None, status: Mapping[str, Any] | None, channels: int
) -> Recorder:
    if recorder is None:
        return Recorder("ConfigurationRecorders", exists=False, channel=channels > 0)
    group = recorder.get("recordingGroup")
    return Recorder(
        "ConfigurationRecorder",
        records=records(group if isinstance(group, Mapping) else None),
        running=bool((status or {}).get("recording")),
        name=str(recorder.get("name") or "") or None,
        channel=channels > 0,
    )
