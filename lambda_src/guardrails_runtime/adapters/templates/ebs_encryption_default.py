"""Template and plan readers of the ``ebs_encryption_default`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.ebs_encryption_default`.
"""

from __future__ import annotations

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.ebs_encryption_default import (
    EbsDefault,
)
from guardrails_runtime.adapters.templates import Source

KIND = "ebs-default"


CLOUDFORMATION_TYPES: tuple[str, ...] = ()


TERRAFORM_TYPES = ("aws_ebs_encryption_by_default",)


OWNERS: dict[str, tuple[str, ...]] = {}


def from_terraform(source: Source) -> EbsDefault:
    value = source.get("enabled")
    return EbsDefault(("enabled", True if value is None else flag(value)))
