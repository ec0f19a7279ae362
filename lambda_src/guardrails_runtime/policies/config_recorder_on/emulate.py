"""Emulator hook of ``config-recorder-on`` (``guardrails replay --emulate``; never in Lambda).

``prepare`` sets up, in moto, a recorder of the recorded name that records everything,
with a delivery channel (and its bucket), then performs the recorded call
(stop, delete recorder, delete channel). ``after`` reports the recorder and its status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import create_bucket
from guardrails_runtime.events import ApiCall, ComplianceChange


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    request = {} if isinstance(parsed, ComplianceChange) else parsed.request
    lowered = {str(k).lower(): v for k, v in request.items()}
    name = str(lowered.get("configurationrecordername") or "default")
    config = clients.get("config", region)
    bucket = f"emulated-config-{region}"
    create_bucket(clients.get("s3", region), bucket, region)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": name,
            "roleARN": "arn:aws:iam::123456789012:role/emulated-config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    config.start_configuration_recorder(ConfigurationRecorderName=name)
    if isinstance(parsed, ApiCall) and not parsed.error_code:
        if parsed.event_name == "StopConfigurationRecorder":
            config.stop_configuration_recorder(ConfigurationRecorderName=name)
        elif parsed.event_name == "DeleteConfigurationRecorder":
            config.stop_configuration_recorder(ConfigurationRecorderName=name)
            config.delete_configuration_recorder(ConfigurationRecorderName=name)
    return {}


def after(resource: str | None, region: str, clients: Clients) -> Any:
    config = clients.get("config", region)
    return {
        s["name"]: s.get("recording")
        for s in config.describe_configuration_recorder_status().get(
            "ConfigurationRecordersStatus", []
        )
    }
