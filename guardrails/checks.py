"""``GuardrailChecks``: the catalog as a CDK validation plugin, the way cdk-nag 3 packs run.

Register it like a cdk-nag pack::

    Validations.of(app).add_plugins(GuardrailChecks(app))

Error-level findings fail ``cdk synth`` (exit 1) and ``app.synth()`` (raises); warnings
(unresolvable values, exempted resources) are reported and do not fail. Acknowledge a
finding with its rule id and a reason::

    Validations.of(construct).acknowledge(
        Acknowledgment(id="Guardrails::GR-SG1", reason="bastion, reviewed in SEC-123"))

Unlike a ``NagPack``, whose rules run once per resource with a Python-to-Node round trip
each, this plugin reads each synthesized template once, in Python, with the same readers
and policies as ``guardrails scan``: one crossing per synthesis, and identical results
in CDK and in CI.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from pathlib import Path

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
)
from constructs import IConstruct

from guardrails import __version__
from guardrails.scan.cloudformation import logical_id_of
from guardrails.scan.engine import Finding, ScanOptions, evaluate, template_subjects
from guardrails.settings import GuardrailSettings
from guardrails_runtime.model import PolicyOptions
from guardrails_runtime.policies.registry import all_rules, rule

PLUGIN_NAME = "Guardrails"


@jsii.implements(IPolicyValidationPlugin)
class GuardrailChecks:
    """Fails synthesis on the catalog's error-level rules.

    Parameters
    ----------
    scope:
        Accepted for parity with cdk-nag packs (``GuardrailChecks(app)``); unused.
    settings:
        Allowed public ports, KMS requirement, exemption tag and enabled policies; the
        defaults equal the runtime's.

    Examples
    --------
    >>> from aws_cdk import App, Validations
    >>> app = App()
    >>> Validations.of(app).add_plugins(GuardrailChecks(app))
    """

    def __init__(
        self, scope: IConstruct | None = None, *, settings: GuardrailSettings | None = None
    ) -> None:
        del scope
        settings = settings or GuardrailSettings()
        self._options = ScanOptions(
            policy=PolicyOptions(
                allowed_public_ports=settings.allowed_public_ports, require_kms=settings.require_kms
            ),
            exemption_tag_key=settings.exemption_tag_key,
            exemption_tag_value=settings.exemption_tag_value,
        )
        self.findings: list[Finding] = []

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in all_rules()]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """Evaluate every stack template (and its nested stacks) of the synthesis."""
        findings: list[Finding] = []
        # Reading a large template allocates many small objects; the cyclic GC would only
        # rescan the whole (jsii-heavy) heap meanwhile. Nothing here creates cycles.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for template_path in context.template_paths:
                path = Path(template_path)
                findings.extend(evaluate(template_subjects(path.parent, path), self._options))
        finally:
            if was_enabled:
                gc.enable()
        self.findings = findings
        return report(findings)


def report(findings: list[Finding]) -> PolicyValidationPluginReport:
    """The CDK report: one violation per rule and message, naming each resource."""
    grouped: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        grouped[(f.rule, f.level, _without_location(f))].append(f)
    violations = []
    for (rule_id, level, message), group in grouped.items():
        info = rule(rule_id)
        violations.append(
            PolicyViolation(
                rule_name=rule_id,
                description=f"{info.info} {message}",
                fix=info.fix,
                severity=level,
                rule_metadata={"policy": info.policy},
                violating_resources=[
                    PolicyViolatingResource(
                        resource_logical_id=logical_id_of(f.resource),
                        template_path=f.file,
                        locations=[
                            f"Properties/{f.location.replace('.', '/')}"
                            if f.location
                            else "Properties"
                        ],
                    )
                    for f in group
                ],
            )
        )
    return PolicyValidationPluginReport(
        success=not any(f.level == "error" for f in findings),
        violations=violations,
        plugin_version=__version__,
    )


def _without_location(finding: Finding) -> str:
    suffix = f" at {finding.location}"
    message = finding.message
    return message[: -len(suffix)] if finding.location and message.endswith(suffix) else message
