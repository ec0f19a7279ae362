"""``EbsGuardrail``: keep EBS encryption by default on (policy ``ebs-encryption``)."""

from __future__ import annotations

from guardrails.guardrail import PolicyGuardrail
from guardrails_runtime.remediations.ebs_encryption import EbsEncryptionRemediation


class EbsGuardrail(PolicyGuardrail):
    """Switches EBS encryption by default back on when someone switches it off.

    * react: a successful ``DisableEbsEncryptionByDefault`` call invokes the remediation
      Lambda, which re-enables the setting (exempt accounts: ``exempt_accounts``);
    * detect: AWS Config ``EC2_EBS_ENCRYPTION_BY_DEFAULT`` (NON_COMPLIANT routed to the
      Lambda) and ``ENCRYPTED_VOLUMES`` (reported only: a volume cannot be encrypted in
      place).

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> stack = Stack(App(), "App")
    >>> guardrail = EbsGuardrail(stack, "EbsEncryption")
    """

    remediation = EbsEncryptionRemediation()
