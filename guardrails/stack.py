"""``GuardrailStack``: every enabled guardrail, deployable as one stack."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from guardrails.cloudtrail import CloudTrailGuardrail
from guardrails.core import GuardrailCore
from guardrails.ebs import EbsGuardrail
from guardrails.guardrail import PolicyGuardrail
from guardrails.s3 import S3EncryptionGuardrail, S3PublicAccessGuardrail
from guardrails.security_group import SecurityGroupGuardrail
from guardrails.settings import GuardrailSettings

# policy -> construct class; one line per policy.
GUARDRAILS: dict[str, type[PolicyGuardrail]] = {
    "sg-open-ingress": SecurityGroupGuardrail,
    "ebs-encryption": EbsGuardrail,
    "s3-encryption": S3EncryptionGuardrail,
    "s3-public-access": S3PublicAccessGuardrail,
    "cloudtrail-enabled": CloudTrailGuardrail,
}


class GuardrailStack(Stack):
    """The deployable stack, built from one frozen :class:`GuardrailSettings`.

    Examples
    --------
    >>> from aws_cdk import App
    >>> stack = GuardrailStack(App(), "Guardrails", settings=GuardrailSettings())
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: GuardrailSettings, **kwargs: Any
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description="cdk-guardrails: prevent, detect and revert insecure AWS changes",
            **kwargs,
        )
        self.settings = settings
        self.core = GuardrailCore.of(self, settings)
        self.guardrails = {
            policy: GUARDRAILS[policy](self, _construct_id(policy), settings=settings)
            for policy in settings.policies
        }


def _construct_id(policy: str) -> str:
    return "".join(part.capitalize() for part in policy.split("-"))
