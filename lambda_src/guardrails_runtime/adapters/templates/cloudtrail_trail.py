"""Template and plan readers of the ``cloudtrail_trail`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.cloudtrail_trail`.
"""

from __future__ import annotations

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.cloudtrail_trail import (
    Trail,
)
from guardrails_runtime.adapters.templates import Source

KIND = "trail"


CLOUDFORMATION_TYPES = ("AWS::CloudTrail::Trail",)


TERRAFORM_TYPES = ("aws_cloudtrail",)


OWNERS: dict[str, tuple[str, ...]] = {}


def from_cloudformation(source: Source) -> Trail:
    logging, validation = source.get("IsLogging"), source.get("EnableLogFileValidation")
    return Trail(
        ("IsLogging", False if logging is None else flag(logging)),
        ("EnableLogFileValidation", False if validation is None else flag(validation)),
    )


def from_terraform(source: Source) -> Trail:
    logging = source.get("enable_logging")
    validation = source.get("enable_log_file_validation")
    return Trail(
        ("enable_logging", True if logging is None else flag(logging)),
        ("enable_log_file_validation", False if validation is None else flag(validation)),
    )
