"""Evaluate subjects with the catalog's policies; find and read whatever a PATH is.

``scan_path`` accepts a CloudFormation template (JSON or YAML), a ``cdk.out`` folder
(every stack of the cloud assembly, nested stacks and nested assemblies included) or a
Terraform plan JSON (``terraform show -json``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from guardrails.scan import cloudformation, limits, terraform
from guardrails.scan.errors import ScanInputError
from guardrails.scan.parameters import Parameters, stack_names
from guardrails.scan.positions import Locator
from guardrails_runtime.adapters import mapping
from guardrails_runtime.model import PolicyOptions, RuleInfo, Subject, Unresolved, Violation
from guardrails_runtime.policies.registry import StaticPolicy, rule, static_policies
from guardrails_runtime.settings import (
    DEFAULT_EXEMPTION_KEY,
    DEFAULT_EXEMPTION_VALUE,
    Exemption,
    exemption,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding, in the shape of the ``guardrails scan --format json`` contract."""

    policy: str
    rule: str
    level: str  # "error" | "warning"
    resource: str
    file: str
    message: str
    location: str = ""  # field path inside the resource; part of message, not of the JSON
    line: int = 0  # 1-based; 0 when the file gives no position
    column: int = 0
    construct_path: str = ""  # the CDK construct that made the resource (cdk.out)

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract: policy, rule, level, resource, file, line, column, message,
        and constructPath where CDK recorded one."""
        out: dict[str, Any] = {
            "policy": self.policy,
            "rule": self.rule,
            "level": self.level,
            "resource": self.resource,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }
        if self.construct_path:
            out["constructPath"] = self.construct_path
        return out


class Check(NamedTuple):
    """One rule judged on one resource (a JUnit testcase)."""

    file: str
    resource: str
    rule: str


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Policy knobs plus the exemption tag (defaults equal the runtime's)."""

    policy: PolicyOptions = field(default_factory=PolicyOptions)
    exemption_tag_key: str = DEFAULT_EXEMPTION_KEY
    exemption_tag_value: str = DEFAULT_EXEMPTION_VALUE
    policies: tuple[str, ...] | None = None  # None = every policy
    today: date | None = None  # the day exemptions are judged on (None: today, UTC)
    # Parameter values over the templates' defaults (``--parameter``); collects the keys
    # the templates declare.
    parameters: Parameters | None = None

    def exemption(self, tags: dict[str, str] | Unresolved) -> Exemption:
        """The exemption the tags carry (with its end date and reason), as at runtime."""
        return exemption(tags, self.exemption_tag_key, self.exemption_tag_value, self.today)


# Not a policy of the catalog: the scan's own rule for what a file holds but nobody can
# judge as written (a macro, an included fragment, a nested SAM application). Reported
# like any rule (SARIF, JUnit, baselines, exemptions), listed in docs/prevent.md.
INPUT_RULE = RuleInfo(
    "GR-IN1",
    "scan-input",
    "warning",
    "Part of the template is rewritten by a transform at deployment and cannot be judged "
    "as written.",
    "A macro, an AWS::Include fragment or a nested SAM application creates resources that "
    "are not in the file; a check of the file alone would pass them silently.",
    "Scan the processed template: aws cloudformation get-template --template-stage "
    "Processed, or the output of sam build.",
    ("prevent",),
)


def _input(facts: Any, options: PolicyOptions) -> list[Violation]:
    del options
    return [Violation(INPUT_RULE.id, message, where) for where, message in facts]


def rule_info(rule_id: str) -> RuleInfo:
    """A rule of the catalog, or the scan's own ``GR-IN1``; KeyError for an unknown id."""
    return INPUT_RULE if rule_id == INPUT_RULE.id else rule(rule_id)


def evaluate(
    subjects: Iterable[Subject],
    options: ScanOptions = ScanOptions(),
    locator: Locator | None = None,
    checked: list[Check] | None = None,
) -> list[Finding]:
    """Every policy on every subject of a kind it knows.

    An exempt resource's errors become warnings that say so: visible, never failing.
    With a ``locator``, each finding carries the line and column of its value; with a
    ``checked`` list, every (subject, rule) judged is appended to it (JUnit lists passes).
    """
    findings: list[Finding] = []
    located: list[Subject] = []  # the subject of each finding, for its position
    by_kind: dict[str, list[StaticPolicy]] = {}
    for policy in static_policies():
        if options.policies is None or policy.POLICY in options.policies:
            for kind in policy.KINDS:
                by_kind.setdefault(kind, []).append(policy)
    by_kind[cloudformation.INPUT_KIND] = [_INPUT_POLICY]
    # What each subject broke, for its variants (another Fn::If branch), which report only
    # what the subject itself does not. Keyed by id, holding the subject (ids stay unique).
    broken: dict[int, tuple[Subject, set[tuple[str, str, str]]]] = {}
    for subject in subjects:
        for policy in by_kind.get(subject.kind, ()):
            if checked is not None and subject.variant_of is None:
                checked.extend(
                    Check(subject.file, subject.address, r.id) for r in policy.RULES if r.prevent
                )
            violations = policy.evaluate(subject.facts, options.policy)
            if subject.variant_of is not None:
                _, known = broken.get(id(subject.variant_of), (subject, set()))
                violations = [v for v in violations if (v.rule, v.message, v.location) not in known]
            elif violations:
                broken.setdefault(id(subject), (subject, set()))[1].update(
                    (v.rule, v.message, v.location) for v in violations
                )
            if not violations:
                continue
            status = options.exemption(subject.tags)
            for violation in violations:
                info = rule_info(violation.rule)
                level, message = info.level, violation.message
                if status.counts and level == "error":
                    level = "warning"
                    until = f" ({status.note})" if status.note else ""
                    message = (
                        f"exempted by tag {options.exemption_tag_key}="
                        f"{options.exemption_tag_value}{until}: {message}"
                    )
                elif status.note:
                    message = f"{message} ({status.note})"
                where = f" at {violation.location}" if violation.location else ""
                if subject.notes:
                    where += _assumed(subject.notes, violation.location)
                located.append(subject)
                findings.append(
                    Finding(
                        policy.POLICY,
                        info.id,
                        level,
                        subject.address,
                        subject.file,
                        f"{message}{where}",
                        violation.location,
                        0,
                        0,
                        subject.construct_path,
                    )
                )
    if locator is None or not findings:
        return findings
    # Plans: every address with a finding looked up in one pass that stops once all are
    # found (a 100,000-resource plan is 100 MB of text).
    wanted: dict[str, set[str]] = {}
    for subject in located:
        if "::" not in subject.resource_type:
            wanted.setdefault(subject.file, set()).add(subject.address)
    for file, addresses in wanted.items():
        locator.expect_plan(file, addresses)
    return [
        replace(finding, line=line, column=column) if line else finding
        for finding, subject in zip(findings, located, strict=True)
        for line, column in (_position(locator, subject, finding.location),)
    ]


_INPUT_POLICY = StaticPolicy(
    INPUT_RULE.policy,
    (cloudformation.INPUT_KIND,),
    (INPUT_RULE,),
    _input,
    None,  # type: ignore[arg-type]
)


def _assumed(notes: tuple[tuple[str, str], ...], location: str) -> str:
    """`` (assuming ...)`` for the notes that bear on a finding at ``location``: those of
    the whole resource, and defaults used at that field, inside it or beside it in the
    same entry (the port of a rule whose CIDR is the finding)."""
    parent = location.rpartition(".")[0] if "." in location else location
    texts = [
        text
        for where, text in dict.fromkeys(notes)
        if not where
        or where.startswith(parent or location)
        or (location and location.startswith(where))
    ]
    texts = list(dict.fromkeys(texts))
    return f" ({'; '.join(texts)})" if texts else ""


def _position(locator: Locator | None, subject: Subject, location: str) -> tuple[int, int]:
    if locator is None:
        return 0, 0
    if "::" in subject.resource_type:  # a CloudFormation type: the template's own lines
        found = locator.template(
            subject.file, cloudformation.logical_id_of(subject.address), location, subject.origin
        )
    else:
        found = locator.plan(subject.file, subject.address)
    return found or (0, 0)


def read_subjects(path: Path, given: Parameters | None = None) -> list[Subject]:
    """Subjects of one PATH: a template, a cdk.out folder or a Terraform plan (templates
    judged with the ``given`` parameter values over their defaults)."""
    try:
        return _read_subjects(path, given or Parameters())
    except RecursionError as exc:  # the limits keep documents shallow; this is the backstop
        raise limits.too_deep(path) from exc


def _read_subjects(path: Path, given: Parameters) -> list[Subject]:
    if path.is_dir():
        return list(cdk_out_subjects(path, given=given))
    document = cloudformation.read_document(path)
    if cloudformation.is_template(document):
        given.declared.update(mapping(document.get("Parameters")))
        values = given.for_stack(stack_names(path))
        return cloudformation.subjects(document, str(path), values)
    if terraform.is_plan(document):
        return terraform.subjects(document, str(path))
    raise ScanInputError(
        f"{path}: neither a CloudFormation template (no Resources) nor a Terraform plan "
        "(no format_version with planned_values or resource_changes)"
    )


def scan_path(
    path: Path, options: ScanOptions = ScanOptions(), checked: list[Check] | None = None
) -> list[Finding]:
    """The findings of one PATH, each with its file, line and column."""
    # Reading a large plan allocates millions of small objects and nothing here makes
    # cycles: the cyclic GC would only rescan the heap meanwhile (3.5 s of the 100,000-
    # resource read; 0.7 s without).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return evaluate(read_subjects(path, options.parameters), options, Locator(), checked)
    finally:
        if was_enabled:
            gc.enable()


def cdk_out_subjects(
    folder: Path,
    root: Path | None = None,
    seen: set[Path] | None = None,
    given: Parameters | None = None,
) -> Iterable[Subject]:
    """Every stack template of a cloud assembly, following nested stacks and stages.

    Every file the manifests name must lie inside the assembly folder given (``root``):
    a manifest pointing elsewhere (``../../etc/...``) is refused, as is one that names an
    assembly already being read (itself, or a loop of nested assemblies).
    """
    root = folder.resolve() if root is None else root
    seen = set() if seen is None else seen
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ScanInputError(
            f"{folder}: a folder must be a cdk.out cloud assembly (no manifest.json)"
        )
    if folder.resolve() in seen:
        raise ScanInputError(
            f"{manifest_path}: names an assembly that is already being read (a loop)"
        )
    seen.add(folder.resolve())
    manifest = _json(manifest_path)
    artifacts = manifest.get("artifacts") if isinstance(manifest, Mapping) else None
    if not isinstance(artifacts, Mapping):
        raise ScanInputError(f"{manifest_path}: no artifacts")
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, Mapping):
            continue
        properties = artifact.get("properties") or {}
        if not isinstance(properties, Mapping):
            continue
        if artifact.get("type") == "aws:cloudformation:stack" and properties.get("templateFile"):
            template = _inside(root, folder, properties["templateFile"], manifest_path)
            paths = _construct_paths(artifact.get("metadata"))
            names = [str(artifact_id), str(properties.get("stackName") or artifact_id)]
            stack = (given, names) if given is not None else None
            for subject in template_subjects(folder, template, root=root, given=stack):
                if not subject.construct_path:
                    logical_id = cloudformation.logical_id_of(subject.address)
                    subject.construct_path = paths.get(logical_id, "")
                yield subject
        elif artifact.get("type") == "cdk:cloud-assembly" and properties.get("directoryName"):
            nested = _inside(root, folder, properties["directoryName"], manifest_path)
            yield from cdk_out_subjects(nested, root, seen, given)


def _inside(root: Path, folder: Path, name: object, named_by: Path) -> Path:
    """``folder / name``, refused unless it stays inside ``root`` (symbolic links
    followed)."""
    if not isinstance(name, str):
        raise ScanInputError(f"{named_by}: a path that is not text: {name!r}")
    path = folder / name
    if not path.resolve().is_relative_to(root):
        raise ScanInputError(
            f"{named_by}: refusing {name!r}, which leads outside the cloud assembly {root}"
        )
    return path


def _construct_paths(metadata: object) -> dict[str, str]:
    """Logical id -> construct path, from a stack artifact's manifest metadata (which the
    CDK writes whatever ``aws:cdk:path`` template metadata is switched to; nested stacks'
    resources are listed under their parent stack's artifact)."""
    out: dict[str, str] = {}
    if not isinstance(metadata, Mapping):
        return out
    for path, entries in metadata.items():
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and entry.get("type") == "aws:cdk:logicalId":
                data = entry.get("data")
                if isinstance(data, str) and isinstance(path, str):
                    out.setdefault(data, path.strip("/"))
    return out


def template_subjects(
    folder: Path,
    template_path: Path,
    seen: set[Path] | None = None,
    root: Path | None = None,
    given: tuple[Parameters, list[str]] | None = None,
) -> Iterable[Subject]:
    """Subjects of one stack template and of the nested stack templates it names (each
    inside ``root``, the assembly folder, which defaults to ``folder``). ``given``: the
    parameter values and the stack's names; the stack is judged with the values for any
    of its names (nested stacks get theirs from the parent stack: only defaults)."""
    root = folder.resolve() if root is None else root
    seen = set() if seen is None else seen
    if template_path in seen:
        return
    seen.add(template_path)
    template = _json(template_path)
    if not cloudformation.is_template(template):
        raise ScanInputError(f"{template_path}: not a CloudFormation template")
    values: dict[str, Any] = {}
    if given is not None:
        given[0].declared.update(mapping(template.get("Parameters")))
        values = given[0].for_stack(given[1])
    yield from cloudformation.subjects(template, str(template_path), values)
    for nested in _nested_templates(folder, template_path, template, root):
        yield from template_subjects(folder, nested, seen, root)


def _nested_templates(
    folder: Path, template_path: Path, template: Mapping[str, Any], root: Path
) -> list[Path]:
    """Nested stack templates: named by ``aws:asset:path`` metadata (the CDK CLI adds it)
    or, without it, listed as file assets in the stack's ``.assets.json``."""
    found: list[Path] = []
    unnamed = False
    for resource in template["Resources"].values():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::CloudFormation::Stack":
            nested = mapping(resource.get("Metadata")).get("aws:asset:path")
            if isinstance(nested, str):
                found.append(_inside(root, folder, nested, template_path))
            else:
                unnamed = True
    assets = template_path.with_name(template_path.name.replace(".template.json", ".assets.json"))
    if unnamed and assets.is_file():
        files = mapping(mapping(_json(assets)).get("files")).values()
        for asset in files:
            source = (
                mapping(asset.get("source")).get("path") if isinstance(asset, Mapping) else None
            )
            if isinstance(source, str) and source.endswith(".nested.template.json"):
                found.append(_inside(root, folder, source, assets))
    return [p for p in dict.fromkeys(found) if p.is_file()]


def _json(path: Path) -> Any:
    """A JSON file of a cloud assembly, read as :func:`cloudformation.read_document`
    reads a template (encodings, one-line errors)."""
    return cloudformation.parse_json(cloudformation.read_text(path), path)
