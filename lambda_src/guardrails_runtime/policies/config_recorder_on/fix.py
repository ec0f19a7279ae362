"""Reactive plane of ``config-recorder-on``: start a stopped recorder, report the rest.

Trigger: a successful ``StopConfigurationRecorder``, ``DeleteConfigurationRecorder``,
``DeleteDeliveryChannel`` or ``PutConfigurationRecorder``. Reads the region's recorder,
its status and its delivery channels; a recorder that records something, has a channel
and is stopped is started (``StartConfigurationRecorder``); anything else that leaves the
region unrecorded is notified.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters.config_recorder import Recorder, from_api
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.config_recorder_on.policy import evaluate
from guardrails_runtime.policies.config_recorder_on.spec import SPEC
from guardrails_runtime.remediations.base import (
    Context,
    WholeRegion,
    done,
    enforce,
    violation_fingerprint,
)
from guardrails_runtime.shell import command, region_args


class ConfigRecorderOnRemediation(WholeRegion):
    """``StartConfigurationRecorder`` for a stopped recorder."""

    spec = SPEC

    def enforce_region(self, ctx: Context, outcome: Outcome) -> Outcome:
        config = ctx.clients.get("config", outcome.region)
        recorder = _region(config)
        outcome.resource = recorder.name or f"config:{outcome.region or 'region'}"
        violations = evaluate(recorder)
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"configuration recorder {recorder.name} is recording"
            return outcome
        outcome.rule = violations[0].rule
        why = f"AWS Config is not recording ({violations[0].message})"
        stopped_only = recorder.exists and recorder.records and recorder.channel
        if not stopped_only or not recorder.name:
            outcome.fingerprint = violation_fingerprint(outcome.policy, why)
            return done(
                outcome,
                Decision.NOTIFIED,
                f"{why}; notified only: re-creating a recorder or channel needs the "
                "account's role, bucket and resource-type choices",
            )
        name = recorder.name
        outcome.changes = [
            Change(
                "config:StartConfigurationRecorder",
                name,
                {"recording": {"before": False, "after": True}},
                command(
                    "aws",
                    "configservice",
                    "stop-configuration-recorder",
                    *region_args(outcome.region),
                    "--configuration-recorder-name",
                    name,
                ),
                UndoCall(
                    "config", "stop_configuration_recorder", {"ConfigurationRecorderName": name}
                ),
            )
        ]

        def act() -> str:
            config.start_configuration_recorder(ConfigurationRecorderName=name)
            return "the recorder was started again"

        return enforce(outcome, ctx, why=why, exempt=None, act=act)


def _region(config: Any) -> Recorder:
    recorders = config.describe_configuration_recorders().get("ConfigurationRecorders") or []
    channels = config.describe_delivery_channels().get("DeliveryChannels") or []
    if not recorders:
        return from_api(None, None, len(channels))
    recorder = recorders[0]
    statuses = config.describe_configuration_recorder_status(
        ConfigurationRecorderNames=[recorder["name"]]
    ).get("ConfigurationRecordersStatus") or [{}]
    return from_api(recorder, statuses[0], len(channels))
