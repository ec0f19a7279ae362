"""Template and plan readers of the ``guardduty_detector`` adapter (static plane only).

CloudFormation requires ``Enable``; the Terraform provider defaults ``enable`` to true.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.guardduty_detector import Detector
from guardrails_runtime.adapters.templates import Source
from guardrails_runtime.model import Unresolved

KIND = "guardduty-detector"

CLOUDFORMATION_TYPES = ("AWS::GuardDuty::Detector",)

TERRAFORM_TYPES = ("aws_guardduty_detector",)

OWNERS: dict[str, tuple[str, ...]] = {}


def _enabled(value: Any, where: str) -> bool | Unresolved | None:
    value = flag(value)
    if value is None or isinstance(value, bool | Unresolved):
        return value
    return Unresolved(where, f"{where} is {value!r}, not a boolean")


def from_cloudformation(source: Source) -> Detector:
    return Detector(_enabled(source.get("Enable"), "Enable"), "Enable")


def from_terraform(source: Source) -> Detector:
    value = source.get("enable")
    return Detector(True if value is None else _enabled(value, "enable"), "enable")
