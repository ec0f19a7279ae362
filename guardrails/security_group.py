"""``SecurityGroupGuardrail``: the enforcing planes of ``sg-open-ingress`` in one construct."""

from __future__ import annotations

from aws_cdk import aws_config as config
from constructs import Construct

from guardrails.core import GuardrailCore, cloudtrail_pattern, compliance_pattern
from guardrails.settings import GuardrailSettings
from guardrails_runtime.model import Mode
from guardrails_runtime.policies.sg_open_ingress import POLICY
from guardrails_runtime.remediations.sg_open_ingress import SecurityGroupIngressRemediation


class SecurityGroupGuardrail(Construct):
    """Reverts (or reports) security-group ingress opened to the internet.

    * react: an EventBridge rule on successful ``AuthorizeSecurityGroupIngress`` and
      ``ModifySecurityGroupRules`` calls invokes the stack's remediation Lambda;
    * detect: the AWS Config managed rules ``VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS`` (and
      ``INCOMING_SSH_DISABLED`` unless 22 is an allowed public port), whose NON_COMPLIANT
      changes go to the same Lambda.

    Parameters
    ----------
    settings:
        Shared settings; the first guardrail in a stack fixes them for the stack's core.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> stack = Stack(App(), "App")
    >>> guardrail = SecurityGroupGuardrail(stack, "NoOpenSsh")
    """

    remediation = SecurityGroupIngressRemediation()

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: GuardrailSettings | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        self.core = GuardrailCore.of(self, settings)
        settings = self.core.settings
        self.core.grant(self.remediation)
        self.event_rule = self.core.route(
            self,
            "OnIngressChange",
            cloudtrail_pattern(self.remediation),
            description="sg-open-ingress: security-group ingress changes",
        )
        self.config_rules: list[config.ManagedRule] = []
        if settings.config_rules:
            self._config_rules(settings)

    def _config_rules(self, settings: GuardrailSettings) -> None:
        scope = config.RuleScope.from_resources([config.ResourceType.EC2_SECURITY_GROUP])
        specs = settings.config_rule_specs(POLICY)
        for spec in specs:
            self.config_rules.append(
                config.ManagedRule(
                    self,
                    _construct_id(spec.identifier),
                    identifier=spec.identifier,
                    config_rule_name=spec.name,
                    input_parameters=dict(spec.parameters) or None,
                    rule_scope=scope,
                    description=f"{POLICY}: {spec.description}",
                )
            )
        if specs and settings.mode_for(POLICY) is not Mode.OFF:
            self.compliance_rule = self.core.route(
                self,
                "OnNonCompliant",
                compliance_pattern([s.name for s in specs]),
                description=f"{POLICY}: Config NON_COMPLIANT evaluations",
            )


def _construct_id(identifier: str) -> str:
    return "".join(part.capitalize() for part in identifier.split("_")) + "Rule"
