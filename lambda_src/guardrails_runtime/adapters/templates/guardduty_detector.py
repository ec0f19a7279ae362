"""Template and plan readers of the ``guardduty_detector`` adapter (static plane only).

CloudFormation requires ``Enable``; the Terraform provider defaults ``enable`` to true.
"""

from __future__ import annotations

from guardrails_runtime.adapters.guardduty_detector import Detector
from guardrails_runtime.adapters.templates import Source, boolean

KIND = "guardduty-detector"

CLOUDFORMATION_TYPES = ("AWS::GuardDuty::Detector",)

TERRAFORM_TYPES = ("aws_guardduty_detector",)

OWNERS: dict[str, tuple[str, ...]] = {}


def from_cloudformation(source: Source) -> Detector:
    return Detector(boolean(source.get("Enable"), "Enable"), "Enable")


def from_terraform(source: Source) -> Detector:
    value = source.get("enable")
    return Detector(True if value is None else boolean(value, "enable"), "enable")
