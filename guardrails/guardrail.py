"""What every guardrail construct does, whatever its policy."""

from __future__ import annotations

from typing import ClassVar

from aws_cdk import aws_config as config
from constructs import Construct

from guardrails.core import GuardrailCore, cloudtrail_patterns
from guardrails.settings import GuardrailSettings
from guardrails_runtime.model import Mode
from guardrails_runtime.remediations.base import Remediation


class PolicyGuardrail(Construct):
    """One policy's react and detect planes, on the stack's shared :class:`GuardrailCore`.

    * react: an EventBridge rule on the successful CloudTrail calls the policy's
      remediation handles, targeting the remediation Lambda;
    * detect: the policy's AWS Config managed rules, with the NON_COMPLIANT changes of
      those that can be fixed routed to the same Lambda.

    Subclasses name the ``remediation`` (whose IAM grants the core's role receives).
    """

    remediation: ClassVar[Remediation]

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: GuardrailSettings | None = None
    ) -> None:
        """Add the policy's rules to ``scope``'s stack, on the stack's shared core.

        Parameters
        ----------
        scope:
            Any construct of the stack to guard; the core (Lambda, topic, ledger) is
            created in that stack on first use.
        construct_id:
            The construct id.
        settings:
            Everything the guardrail does (see ``help(GuardrailSettings)``). All guardrails
            of one stack share one core, so they must be given equal settings; ``None``
            joins the core as the first guardrail built it (defaults if none). Different
            settings fail synthesis naming both construct paths and the differing fields.
        """
        super().__init__(scope, construct_id)
        self.core = GuardrailCore.of(self, settings)
        settings = self.core.settings
        policy = self.remediation.policy
        self.core.grant(self.remediation)
        self.event_rules = [
            self.core.route(
                self,
                f"OnApiCall{suffix.capitalize()}",
                pattern,
                description=f"{policy}: {', '.join(self.remediation.event_names)}",
                name=f"{policy}-api{'-' + suffix if suffix else ''}",
            )
            for suffix, pattern in cloudtrail_patterns(
                self.remediation, settings.exemption_tag_key, self.core.claim(self.remediation)
            )
        ]
        # None when another guardrail's rule already routes every event of this policy.
        self.event_rule = self.event_rules[0] if self.event_rules else None
        self.config_rules, routed = config_rules(self, settings, policy)
        self.compliance_rule = None
        if routed and settings.mode_for(policy) is not Mode.OFF:
            self.compliance_rule = self.core.route_compliance(routed)


def config_rules(
    scope: Construct, settings: GuardrailSettings, policy: str
) -> tuple[list[config.ManagedRule], list[str]]:
    """The policy's AWS Config managed rules in ``scope``, and the names of those whose
    NON_COMPLIANT evaluations a fix can act on (to be routed)."""
    rules: list[config.ManagedRule] = []
    routed: list[str] = []
    for spec in settings.config_rule_specs(policy):
        resources = [config.ResourceType.of(t) for t in spec.scope]
        rules.append(
            config.ManagedRule(
                scope,
                _construct_id(spec.identifier),
                identifier=spec.identifier,
                config_rule_name=spec.name,
                input_parameters=dict(spec.parameters) or None,
                rule_scope=config.RuleScope.from_resources(resources) if resources else None,
                description=f"{policy}: {spec.description}",
            )
        )
        if spec.route:
            routed.append(spec.name)
    return rules, routed


def _construct_id(identifier: str) -> str:
    return "".join(part.capitalize() for part in identifier.split("_")) + "Rule"
