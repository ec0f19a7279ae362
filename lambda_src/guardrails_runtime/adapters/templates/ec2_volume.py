"""Template and plan readers of the ``ec2_volume`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.ec2_volume`.
"""

from __future__ import annotations

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.ec2_volume import (
    Volume,
)
from guardrails_runtime.adapters.templates import Source
from guardrails_runtime.model import Unresolved

KIND = "volume"


CLOUDFORMATION_TYPES = ("AWS::EC2::Volume",)


TERRAFORM_TYPES = ("aws_ebs_volume",)


OWNERS: dict[str, tuple[str, ...]] = {}


def from_cloudformation(source: Source) -> Volume:
    value = source.get("Encrypted")
    return Volume(("Encrypted", False if value is None else flag(value)))


def from_terraform(source: Source) -> Volume:
    value = source.get("encrypted")
    if isinstance(value, Unresolved) and not source.declared("encrypted"):
        return Volume(None)
    return Volume(("encrypted", False if value is None else flag(value)))
