"""Template and plan readers of the ``config_recorder`` adapter (static plane only).

``AWS::Config::ConfigurationRecorder`` and ``aws_config_configuration_recorder``: what the
recording group records (no group: every supported type); Terraform's
``aws_config_configuration_recorder_status``: ``is_enabled``.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.config_recorder import Recorder, records
from guardrails_runtime.adapters.templates import Source
from guardrails_runtime.model import Unresolved

KIND = "config-recorder"

CLOUDFORMATION_TYPES = ("AWS::Config::ConfigurationRecorder",)

TERRAFORM_TYPES = ("aws_config_configuration_recorder", "aws_config_configuration_recorder_status")

OWNERS: dict[str, tuple[str, ...]] = {}


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase or Terraform's snake_case group -> the API's camelCase."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]  # a Terraform block
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            parts = str(key).split("_")
            name = parts[0][:1].lower() + parts[0][1:] + "".join(p.title() for p in parts[1:])
            out[name] = _camel(item)
        return out
    return flag(value)


def _judge(group: Any, where: str) -> Recorder:
    group = _camel(group)
    found = [group] if isinstance(group, Unresolved) else []
    if isinstance(group, dict):
        found = [v for v in group.values() if isinstance(v, Unresolved)]
    if found:
        return Recorder(where, records=found[0])
    return Recorder(where, records=records(group if isinstance(group, dict) else None))


def from_cloudformation(source: Source) -> Recorder:
    return _judge(source.get("RecordingGroup"), "RecordingGroup")


def from_terraform(source: Source) -> Recorder:
    if source.resource_type == "aws_config_configuration_recorder_status":
        value = flag(source.get("is_enabled"))
        running = value if isinstance(value, bool | Unresolved) else None
        return Recorder("is_enabled", running=running)
    return _judge(source.get("recording_group"), "recording_group")
