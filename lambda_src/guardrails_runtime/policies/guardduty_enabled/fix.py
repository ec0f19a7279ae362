"""Reactive plane of ``guardduty-enabled``: keep a GuardDuty detector enabled in the region.

Trigger: a successful ``UpdateDetector`` or ``DeleteDetector``, or a NON_COMPLIANT
evaluation of ``GUARDDUTY_ENABLED_CENTRALIZED`` (per account). Reads ``ListDetectors``
(and ``GetDetector``); a disabled detector that is not exempt is enabled
(``UpdateDetector Enable=True``); a region with none gets one (``CreateDetector``).
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters.guardduty_detector import MISSING, Detector, from_api
from guardrails_runtime.aws import partition_for
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.guardduty_enabled.policy import evaluate
from guardrails_runtime.policies.guardduty_enabled.spec import SPEC
from guardrails_runtime.remediations.base import Context, WholeRegion, enforce, tag_exemption
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args


class GuardDutyEnabledRemediation(WholeRegion):
    """``UpdateDetector(Enable=True)``, or ``CreateDetector(Enable=True)`` when none is left."""

    spec = SPEC

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        if not outcome.resource or not outcome.resource_arn:
            return None
        return command(
            "aws",
            "guardduty",
            "tag-resource",
            *region_args(outcome.region),
            "--resource-arn",
            outcome.resource_arn,
            "--tags",
            f"{settings.exemption_tag_key}={settings.exemption_tag_value}",
        )

    def enforce_region(self, ctx: Context, outcome: Outcome) -> Outcome:
        guardduty = ctx.clients.get("guardduty", outcome.region)
        detector = _region(guardduty)
        violations = evaluate(detector)
        outcome.resource = detector.detector_id or f"guardduty:{outcome.region or 'region'}"
        if detector.detector_id and outcome.account and outcome.region:
            outcome.resource_arn = (
                f"arn:{partition_for(outcome.region)}:guardduty:{outcome.region}:"
                f"{outcome.account}:detector/"
                f"{detector.detector_id}"
            )
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"GuardDuty detector {detector.detector_id} is enabled"
            return outcome
        outcome.rule = violations[0].rule
        why = f"GuardDuty is off ({violations[0].message})"
        region = region_args(outcome.region)
        if detector.exists:
            detector_id = str(detector.detector_id)
            outcome.changes = [
                Change(
                    "guardduty:UpdateDetector",
                    detector_id,
                    {"status": {"before": "DISABLED", "after": "ENABLED"}},
                    command(
                        "aws",
                        "guardduty",
                        "update-detector",
                        *region,
                        "--detector-id",
                        detector_id,
                        "--no-enable",
                    ),
                    UndoCall(
                        "guardduty",
                        "update_detector",
                        {"DetectorId": detector_id, "Enable": False},
                    ),
                )
            ]
            exempt = tag_exemption(ctx.settings, dict(detector.tags), "detector", outcome)

            def enable() -> str:
                guardduty.update_detector(DetectorId=detector_id, Enable=True)
                return "the detector was enabled again (its settings and findings are kept)"

            return enforce(outcome, ctx, why=why, exempt=exempt, act=enable)

        # What would be created (notify); the new detector's id, and so its undo, is known
        # once it exists.
        outcome.changes = [
            Change("guardduty:CreateDetector", "(new detector)", {"enable": True}, "", None)
        ]

        def create() -> str:
            created = str(guardduty.create_detector(Enable=True)["DetectorId"])
            outcome.resource = created
            outcome.changes = [
                Change(
                    "guardduty:CreateDetector",
                    created,
                    {"created": created},
                    command(
                        "aws", "guardduty", "delete-detector", *region, "--detector-id", created
                    ),
                    UndoCall("guardduty", "delete_detector", {"DetectorId": created}),
                )
            ]
            return (
                f"detector {created} was created with GuardDuty's defaults; the deleted "
                "detector's findings, filters and data-source settings are not restored"
            )

        return enforce(outcome, ctx, why=why, exempt=None, act=create)


def _region(guardduty: Any) -> Detector:
    """The region's detector (there is at most one per account and region)."""
    ids = guardduty.list_detectors().get("DetectorIds") or []
    if not ids:
        return MISSING
    return from_api(str(ids[0]), guardduty.get_detector(DetectorId=ids[0]))
