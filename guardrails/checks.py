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
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Validations,
)
from constructs import IConstruct

from guardrails import __version__
from guardrails.scan.cloudformation import logical_id_of
from guardrails.scan.engine import (
    INPUT_RULE,
    Finding,
    ScanOptions,
    evaluate,
    rule_info,
    template_subjects,
)
from guardrails.scan.positions import Locator
from guardrails.settings import GuardrailSettings
from guardrails_runtime.model import PolicyOptions
from guardrails_runtime.policies.registry import all_rules, load
from guardrails_runtime.settings import iso_date

PLUGIN_NAME = "Guardrails"


@jsii.implements(IPolicyValidationPlugin)
class GuardrailChecks:
    """Fails synthesis on the catalog's error-level rules.

    Parameters
    ----------
    scope:
        Accepted for parity with cdk-nag packs (``GuardrailChecks(app)``); unused.
    settings:
        Allowed public ports, KMS requirement, exemption tag and ``policies`` (a policy
        left out is not checked); the defaults equal the runtime's. Anything but a
        :class:`GuardrailSettings` raises :class:`~guardrails.settings.ContextError`.

    Under the CDK CLI, error findings of stacks inside a ``Stage`` are also summed up in
    a violation that names no construct, so that plain ``cdk synth`` (which selects
    top-level stacks only) still fails; ``cdk synth '**'`` shows each in detail.

    Examples
    --------
    >>> from aws_cdk import App, Validations
    >>> app = App()
    >>> Validations.of(app).add_plugins(GuardrailChecks(app))
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        settings: GuardrailSettings | None = None,
        fail_on_unused: bool = False,
        today: date | None = None,
    ) -> None:
        settings = GuardrailSettings.require(
            GuardrailSettings() if settings is None else settings, "GuardrailChecks(settings=...)"
        )
        self._options = ScanOptions(
            policy=PolicyOptions(
                allowed_public_ports=settings.allowed_public_ports,
                require_kms=settings.require_kms,
                ebs_encrypted_by_default=settings.ebs_encrypted_by_default,
            ),
            exemption_tag_key=settings.exemption_tag_key,
            exemption_tag_value=settings.exemption_tag_value,
            # A policy left out of ``policies`` is not checked at synth either.
            policies=settings.policies,
        )
        # Under the CDK CLI, synth does not fail by itself: the CLI reads the report and
        # fails only for the stacks it selected (top-level ones by default).
        self._cli_filters = (
            scope is None
            or scope.node.try_get_context("@aws-cdk/core:failSynthOnValidationErrors") is False
        )
        self.findings: list[Finding] = []
        # The policies and adapters load with the plugin, as a pack's rules do, not on the
        # first resources of the synth (docs/performance.md gives both figures).
        load(settings.policies)
        # An acknowledgement that matches no finding is a warning (an error with this).
        self._fail_on_unused = fail_on_unused
        self._today = today

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        enabled = self._options.policies
        ids = [r.id for r in all_rules() if enabled is None or r.policy in enabled]
        return [*ids, INPUT_RULE.id]

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        """Evaluate every stack template (and its nested stacks) of the synthesis."""
        findings: list[Finding] = []
        staged: list[Finding] = []
        acks: list[Ack] = []
        lapsed: list[tuple[Finding, Ack]] = []
        today = self._today or datetime.now(UTC).date()
        # Reading a large template allocates many small objects; the cyclic GC would only
        # rescan the whole (jsii-heavy) heap meanwhile. Nothing here creates cycles.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for template_path in context.template_paths:
                path = Path(template_path)
                found = evaluate(template_subjects(path.parent, path), self._options, Locator())
                findings.extend(found)
                metadata = _metadata(path)
                paths = _logical_paths(metadata)
                mine = _acknowledgements(metadata, paths, path)
                acks += mine
                in_stage = _in_stage(path)
                for finding in found:
                    matching = [a for a in mine if a.covers(finding, paths)]
                    for ack in matching:
                        ack.used = True
                    live = [a for a in matching if not a.expired(today)]
                    if matching and not live:
                        lapsed.append((finding, matching[0]))
                    if in_stage and not live:
                        staged.append(finding)
        finally:
            if was_enabled:
                gc.enable()
        self.findings = findings
        summaries = stage_summaries(staged) if self._cli_filters else []
        summaries += [_lapsed(f, ack) for f, ack in lapsed]
        summaries += [
            _unused(ack, "error" if self._fail_on_unused else "warning")
            for ack in acks
            if not ack.used
        ]
        result = report(findings, summaries=summaries)
        for violation in summaries:
            if not violation.violating_resources:
                # The CLI prints only violations that name a construct: say it here too.
                print(
                    f"[Guardrails] {violation.severity} {violation.rule_name}: "
                    f"{violation.description}",
                    file=sys.stderr,
                )
        return result


def acknowledge(scope: IConstruct, rule_id: str, reason: str, *, expires: date | str) -> None:
    """Acknowledge a Guardrails finding on ``scope`` (and below) until ``expires``.

    The same CDK acknowledgement as ``Validations.of(scope).acknowledge(...)``, with the end
    date written into its reason (``... (expires 2027-03-31)``), which is where
    :class:`GuardrailChecks` reads it: after that day the finding fails synthesis again,
    under ``<rule>.acknowledgement-expired``. Any acknowledgement whose reason says
    ``expires YYYY-MM-DD`` is read the same way.
    """
    end = expires if isinstance(expires, date) else date.fromisoformat(str(expires))
    Validations.of(scope).acknowledge(
        Acknowledgment(id=f"{PLUGIN_NAME}::{rule_id}", reason=f"{reason} (expires {end})")
    )


_EXPIRES = re.compile(r"\bexpires?:?\s+([0-9]{4}-[0-9]{2}-[0-9]{2})\b", re.IGNORECASE)


class Ack:
    """One acknowledgement of a Guardrails rule, from a stack's metadata."""

    def __init__(
        self, scope: str, rule_id: str, reason: str, template: str = "", anchor: str = ""
    ) -> None:
        self.scope, self.rule_id, self.reason = scope, rule_id, reason
        # The stack template, and a resource under the scope to attach a report to (CDK
        # drops a violation that names no resource once acknowledgements are applied).
        self.template, self.anchor = template, anchor
        match = _EXPIRES.search(reason)
        self.expires = iso_date(match.group(1)) if match else None
        self.used = False

    def covers(self, finding: Finding, paths: dict[str, str]) -> bool:
        """True when this acknowledgement's scope holds the finding's construct (``paths``:
        logical id -> construct path, for templates written without path metadata)."""
        path = (
            finding.construct_path
            or finding.resource.partition(" (")[2].rstrip(")")
            or paths.get(logical_id_of(finding.resource), "")
        )
        return (
            self.rule_id == finding.rule
            and bool(path)
            and (path == self.scope or path.startswith(self.scope + "/") or not self.scope)
        )

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today


_ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


def _metadata(template: Path) -> dict[str, Any]:
    """A stack's ``*.metadata.json`` (construct path -> metadata entries), read once, when
    it records any acknowledgement; else empty: it is then not parsed (it is as large as
    the template, and only acknowledgements are read from it)."""
    import json

    metadata = template.with_name(template.name.replace(".template.json", ".metadata.json"))
    try:
        text = metadata.read_text()
        entries = json.loads(text) if _ACKNOWLEDGED in text else {}
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _entries(metadata: dict[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    """``(construct path, data)`` of every metadata entry of type ``kind``."""
    for path, items in metadata.items():
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("type") == kind:
                yield str(path).strip("/"), item.get("data")


def _logical_paths(metadata: dict[str, Any]) -> dict[str, str]:
    """Logical id -> construct path of one stack."""
    return {str(lid): path for path, lid in _entries(metadata, "aws:cdk:logicalId")}


def _acknowledgements(metadata: dict[str, Any], paths: dict[str, str], template: Path) -> list[Ack]:
    """The Guardrails acknowledgements recorded for one stack, with their reasons."""
    out = []
    for scope, data in _entries(metadata, _ACKNOWLEDGED):
        if not isinstance(data, dict):
            continue
        anchor = next(
            (lid for lid, p in paths.items() if p == scope or p.startswith(scope + "/")), ""
        )
        for ack_id, reason in data.items():
            plugin, _, rule_id = str(ack_id).partition("::")
            if plugin == PLUGIN_NAME and rule_id:
                out.append(Ack(scope, rule_id, str(reason), str(template), anchor))
    return out


def _lapsed(finding: Finding, ack: Ack) -> PolicyViolation:
    """The finding again, under a rule name the expired acknowledgement does not cover."""
    info = rule_info(finding.rule)
    return PolicyViolation(
        rule_name=f"{finding.rule}.acknowledgement-expired",
        description=f"{info.info} {finding.message} (the acknowledgement of {finding.rule} "
        f"on {ack.scope or 'the app'} expired on {ack.expires}: {ack.reason})",
        fix=f"{info.fix} Or renew the acknowledgement with a new end date.",
        severity="error",
        rule_metadata={"policy": info.policy},
        violating_resources=[
            PolicyViolatingResource(
                resource_logical_id=logical_id_of(finding.resource),
                template_path=finding.file,
                locations=["Properties"],
            )
        ],
    )


def _unused(ack: Ack, severity: str) -> PolicyViolation:
    return PolicyViolation(
        rule_name=f"{ack.rule_id}.acknowledgement-unused",
        description=f"The acknowledgement of {PLUGIN_NAME}::{ack.rule_id} on "
        f"{ack.scope or 'the app'} matches no finding ({ack.reason}): remove it.",
        fix="Remove the acknowledgement, so that a future violation is not hidden by it.",
        severity=severity,
        rule_metadata={"scope": ack.scope},
        violating_resources=[
            PolicyViolatingResource(
                resource_logical_id=ack.anchor, template_path=ack.template, locations=["Metadata"]
            )
        ]
        if ack.anchor
        else [],
    )


def _in_stage(template: Path) -> bool:
    """True for a template of a stack inside a ``Stage`` (a nested cloud assembly)."""
    return any(
        parent.name.startswith("assembly-") and (parent / "manifest.json").is_file()
        for parent in template.parents
    )


def stage_summaries(staged: list[Finding]) -> list[PolicyViolation]:
    """One violation per rule for the unacknowledged error findings of stacks in a ``Stage``.

    ``cdk synth`` (and ``cdk deploy``) select only top-level stacks by default and drop
    the report's violations of every other stack, so a violation inside a Stage (a CDK
    Pipelines stage, say) would pass. A violation that names no construct is kept whatever
    the selection: this summary fails plain ``cdk synth`` and names the resources;
    ``cdk synth '**'`` shows each one in detail.
    """
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in staged:
        if f.level == "error":
            by_rule[f.rule].append(f)
    summaries = []
    for rule_id, group in sorted(by_rule.items()):
        info = rule_info(rule_id)
        names = ", ".join(sorted({f.resource for f in group}))
        summaries.append(
            PolicyViolation(
                rule_name=rule_id,
                description=f"{info.info} {len(group)} finding(s) in stacks inside a Stage: "
                f"{names}. Plain `cdk synth` selects top-level stacks only; "
                "run `cdk synth '**'` to see each one.",
                fix=info.fix,
                severity="error",
                rule_metadata={"policy": info.policy, "scope": "stage"},
                violating_resources=[],
            )
        )
    return summaries


def report(
    findings: list[Finding], summaries: list[PolicyViolation] | None = None
) -> PolicyValidationPluginReport:
    """The CDK report: one violation per rule and message, naming each resource.

    ``summaries`` (see :func:`stage_summaries`) sum up the error findings of stacks
    inside a Stage once more, without a construct, so that the CLI cannot filter them away.
    """
    grouped: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        grouped[(f.rule, f.level, _without_location(f))].append(f)
    violations = []
    for (rule_id, level, message), group in grouped.items():
        info = rule_info(rule_id)
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
    violations.extend(summaries or [])
    return PolicyValidationPluginReport(
        success=not any(f.level == "error" for f in findings)
        and not any(v.severity == "error" for v in summaries or []),
        violations=violations,
        plugin_version=__version__,
    )


def _without_location(finding: Finding) -> str:
    suffix = f" at {finding.location}"
    message = finding.message
    return message[: -len(suffix)] if finding.location and message.endswith(suffix) else message
