"""Policy ``config-recorder-on``: pure logic over :class:`Recorder` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.config_recorder import Recorder
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(recorder: Recorder, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-CFG1 when the region is not recorded; GR-CFG2 when it cannot be told."""
    where = recorder.where
    if not recorder.exists:
        return [Violation("GR-CFG1", "the region has no configuration recorder", where)]
    for value in (recorder.records, recorder.running):
        if isinstance(value, Unresolved):
            return [Violation("GR-CFG2", value.why, value.where or where)]
    if recorder.records is False:
        return [Violation("GR-CFG1", f"{where} records no resource type", where)]
    if recorder.channel is False:
        return [
            Violation("GR-CFG1", "the region has no delivery channel: nothing is recorded", where)
        ]
    if recorder.running is False:
        return [Violation("GR-CFG1", "the recorder is stopped", where)]
    return []
