"""cdk-guardrails: CDK constructs that prevent, detect and revert insecure AWS changes.

The CDK classes are imported lazily so that ``guardrails`` CLI commands that do not
synthesize (``replay``) start without loading aws_cdk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CloudTrailGuardrail",
    "EbsGuardrail",
    "GuardrailChecks",
    "GuardrailCore",
    "GuardrailSettings",
    "GuardrailStack",
    "Mode",
    "S3EncryptionGuardrail",
    "S3PublicAccessGuardrail",
    "SecurityGroupGuardrail",
]

if TYPE_CHECKING:
    from guardrails.checks import GuardrailChecks
    from guardrails.cloudtrail import CloudTrailGuardrail
    from guardrails.core import GuardrailCore
    from guardrails.ebs import EbsGuardrail
    from guardrails.s3 import S3EncryptionGuardrail, S3PublicAccessGuardrail
    from guardrails.security_group import SecurityGroupGuardrail
    from guardrails.settings import GuardrailSettings
    from guardrails.stack import GuardrailStack
    from guardrails_runtime.model import Mode

_LAZY = {
    "GuardrailChecks": "guardrails.checks",
    "CloudTrailGuardrail": "guardrails.cloudtrail",
    "GuardrailCore": "guardrails.core",
    "GuardrailSettings": "guardrails.settings",
    "GuardrailStack": "guardrails.stack",
    "EbsGuardrail": "guardrails.ebs",
    "Mode": "guardrails_runtime.model",
    "S3EncryptionGuardrail": "guardrails.s3",
    "S3PublicAccessGuardrail": "guardrails.s3",
    "SecurityGroupGuardrail": "guardrails.security_group",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'guardrails' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
