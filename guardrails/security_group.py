"""``SecurityGroupGuardrail``: the enforcing planes of ``sg-open-ingress`` in one construct."""

from __future__ import annotations

from guardrails.guardrail import PolicyGuardrail
from guardrails_runtime.remediations.sg_open_ingress import SecurityGroupIngressRemediation


class SecurityGroupGuardrail(PolicyGuardrail):
    """Reverts (or reports) security-group ingress opened to the internet.

    * react: successful ``AuthorizeSecurityGroupIngress`` and ``ModifySecurityGroupRules``
      calls invoke the stack's remediation Lambda;
    * detect: the AWS Config managed rules ``VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS`` (and
      ``INCOMING_SSH_DISABLED`` unless 22 is an allowed public port), whose NON_COMPLIANT
      changes go to the same Lambda.

    Parameters
    ----------
    settings:
        The stack's settings (see ``help(GuardrailSettings)``); every guardrail of a stack
        must be given the same ones, or None to join the stack's core as it is.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> stack = Stack(App(), "App")
    >>> guardrail = SecurityGroupGuardrail(stack, "NoOpenSsh")
    """

    remediation = SecurityGroupIngressRemediation()
