"""Template and plan readers of the ``ec2_volume`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.ec2_volume`.
"""

from __future__ import annotations

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.ec2_volume import (
    Volume,
)
from guardrails_runtime.adapters.templates import Source, declared_value
from guardrails_runtime.model import Unresolved

KIND = "volume"


CLOUDFORMATION_TYPES = ("AWS::EC2::Volume",)


TERRAFORM_TYPES = ("aws_ebs_volume",)


OWNERS: dict[str, tuple[str, ...]] = {}


def from_cloudformation(source: Source) -> Volume:
    value = source.get("Encrypted")
    key = "KmsKeyId" if source.get("KmsKeyId") is not None else ""
    return Volume(("Encrypted", None if value is None else flag(value)), key)


def from_terraform(source: Source) -> Volume:
    value = source.get("encrypted")
    if isinstance(value, Unresolved) and not source.declared("encrypted"):
        value = None  # computed by the provider: unset in the configuration
    named = declared_value(source, "kms_key_id") is not None
    return Volume(
        ("encrypted", None if value is None else flag(value)), "kms_key_id" if named else ""
    )
