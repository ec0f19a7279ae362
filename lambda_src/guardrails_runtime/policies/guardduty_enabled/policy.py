"""Policy ``guardduty-enabled``: pure logic over :class:`Detector` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.guardduty_detector import Detector
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(detector: Detector, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-GD1 when the region has no detector or it is disabled; GR-GD2 when unknown."""
    if not detector.exists:
        return [Violation("GR-GD1", "the region has no GuardDuty detector", detector.where)]
    if detector.enabled is False:
        said = "the detector is disabled" if detector.detector_id else f"{detector.where} is false"
        return [Violation("GR-GD1", f"{said}: the region has no threat detection", detector.where)]
    if isinstance(detector.enabled, Unresolved):
        return [Violation("GR-GD2", detector.enabled.why, detector.enabled.where or detector.where)]
    if detector.enabled is None:
        return [
            Violation(
                "GR-GD2", f"{detector.where} is absent (CloudFormation requires it)", detector.where
            )
        ]
    return []
