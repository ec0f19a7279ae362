"""The report formats of ``guardrails scan``: SARIF 2.1.0, JUnit XML, GitHub workflow
commands, and the baseline file; ``text`` and ``json`` are the CLI's own.

Every format names the file and, where the file gives one, the line and column of each
finding. A finding's **fingerprint** is a digest of its rule, its file (relative to the
working directory), its resource and its field path, never of its line: it is the same
after the template is reformatted or lines move, so baselines and SARIF
``partialFingerprints`` keep matching.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from guardrails.scan.engine import Check, Finding
from guardrails.scan.exemptions import RepoExemption
from guardrails_runtime.spec import specs

TOOL = "cdk-guardrails"
FINGERPRINT_KEY = "guardrails/v1"
BASELINE_VERSION = 1
# GitHub code scanning reads security-severity (0-10): high for errors, medium for warnings.
SEVERITY = {"error": "8.0", "warning": "5.0"}


def relative(file: str, root: Path | None = None) -> str:
    """``file`` relative to ``root`` (the working directory), POSIX-style; absolute when
    it lies outside."""
    return _relative(file, str(root or Path.cwd()))


@functools.lru_cache(maxsize=4096)
def _relative(file: str, root: str) -> str:
    base = Path(root).resolve()
    path = Path(file).resolve()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def fingerprint(finding: Finding, root: Path | None = None) -> str:
    """Stable across reformatting and moved lines (no line, no message)."""
    key = "\n".join(
        (finding.rule, relative(finding.file, root), finding.resource, finding.location)
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


# --- SARIF --------------------------------------------------------------------------------


def apply_exemptions(
    findings: Sequence[Finding], waivers: Sequence[RepoExemption], today: date
) -> tuple[list[Finding], list[tuple[Finding, RepoExemption]]]:
    """Split findings into those that stand and those a repository exemption suppresses.

    Each exemption counts the findings it matched (``used``), expired or not; an expired
    one suppresses nothing and the finding says it expired.
    """
    if not waivers:
        return list(findings), []
    standing: list[Finding] = []
    suppressed: list[tuple[Finding, RepoExemption]] = []
    for finding in findings:
        rel = relative(finding.file)
        waiver = next((w for w in waivers if w.matches(finding.rule, finding.resource, rel)), None)
        if waiver is None:
            standing.append(finding)
            continue
        waiver.used += 1
        if waiver.expires < today:
            note = f" (exemption {waiver.label()} expired on {waiver.expires.isoformat()})"
            standing.append(dataclasses.replace(finding, message=finding.message + note))
        else:
            suppressed.append((finding, waiver))
    return standing, suppressed


def sarif(
    findings: Sequence[Finding],
    root: Path | None = None,
    suppressed: Sequence[tuple[Finding, RepoExemption]] = (),
) -> dict[str, Any]:
    """One SARIF 2.1.0 log with one run: every rule of the catalog with its help, every
    finding with a physical location (relative to ``%SRCROOT%``, the working directory);
    suppressed findings too, each with an external suppression and its justification."""
    from guardrails import __version__

    base = (root or Path.cwd()).resolve()
    from guardrails.scan.engine import INPUT_RULE

    rules = [rule for spec in specs() for rule in spec.rules if rule.prevent] + [INPUT_RULE]
    index = {rule.id: i for i, rule in enumerate(rules)}
    descriptors = [
        {
            "id": rule.id,
            "name": rule.id.replace("-", ""),
            "shortDescription": {"text": rule.info},
            "fullDescription": {"text": f"{rule.info} {rule.explanation}"},
            "help": {
                "text": f"{rule.explanation} Fix: {rule.fix}",
                "markdown": f"**{rule.info}**\n\n{rule.explanation}\n\n**Fix:** {rule.fix}",
            },
            "defaultConfiguration": {"level": rule.level},
            "properties": {
                "security-severity": SEVERITY[rule.level],
                "tags": ["security", "iac", rule.policy],
                "policy": rule.policy,
            },
        }
        for rule in rules
    ]
    results = []
    waived = {id(f): w for f, w in suppressed}
    for finding in [*findings, *(f for f, _ in suppressed)]:
        uri = relative(finding.file, base)
        artifact: dict[str, Any] = {"uri": uri}
        if not Path(uri).is_absolute():
            artifact["uriBaseId"] = "SRCROOT"
        else:
            artifact = {"uri": Path(uri).as_uri()}
        region: dict[str, int] = {"startLine": max(finding.line, 1)}
        if finding.column:
            region["startColumn"] = finding.column
        logical: dict[str, Any] = {"fullyQualifiedName": finding.resource, "kind": "resource"}
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": finding.level,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": artifact, "region": region},
                    "logicalLocations": [logical],
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding, base)},
            "properties": {"policy": finding.policy},
        }
        if finding.rule in index:
            result["ruleIndex"] = index[finding.rule]
        if finding.construct_path:
            result["properties"]["constructPath"] = finding.construct_path
        if id(finding) in waived:
            waiver = waived[id(finding)]
            result["suppressions"] = [{"kind": "external", "justification": waiver.justification()}]
            result["properties"]["owner"] = waiver.owner
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": base.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


# --- JUnit ---------------------------------------------------------------------------------


def junit(
    findings: Sequence[Finding],
    checked: Iterable[Check],
    suppressed: Sequence[tuple[Finding, RepoExemption]] = (),
) -> str:
    """JUnit XML: one testcase per resource and rule judged (``classname`` is the file);
    an error-level finding is a ``failure``, a warning is kept in ``system-out``, a finding
    a repository exemption suppresses is ``skipped`` with its justification."""
    waived = {(f.file, f.resource, f.rule): w for f, w in suppressed}
    by_case: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        by_case.setdefault((finding.file, finding.resource, finding.rule), []).append(finding)
    cases: list[tuple[str, str, str]] = list(
        dict.fromkeys([*((c.file, c.resource, c.rule) for c in checked), *by_case])
    )
    failures = sum(any(f.level == "error" for f in by_case.get(c, [])) for c in cases)
    suites = ET.Element("testsuites", name="guardrails scan")
    skipped = sum(c in waived and c not in by_case for c in cases)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="guardrails scan",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
    )
    suites.set("tests", str(len(cases)))
    suites.set("failures", str(failures))
    for file, resource, rule in cases:
        case = ET.SubElement(suite, "testcase", classname=file, name=f"{resource} {rule}")
        found = by_case.get((file, resource, rule), [])
        errors = [f for f in found if f.level == "error"]
        if errors:
            failure = ET.SubElement(case, "failure", message=errors[0].message, type=rule)
            failure.text = "\n".join(_where(f) + f.message for f in errors)
        if not found and (file, resource, rule) in waived:
            waiver = waived[(file, resource, rule)]
            ET.SubElement(case, "skipped", message=f"suppressed: {waiver.justification()}")
        warnings = [f for f in found if f.level != "error"]
        if warnings:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"warning {_where(f)}{f.message}" for f in warnings)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _where(finding: Finding) -> str:
    line = f":{finding.line}" if finding.line else ""
    return f"{finding.file}{line}: {finding.resource}: "


# --- GitHub workflow commands ---------------------------------------------------------------


def github(findings: Sequence[Finding]) -> str:
    """``::error file=...,line=...,col=...,title=...::message`` per finding."""
    lines = []
    for f in findings:
        props = [f"file={_prop(relative(f.file))}"]
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={_prop(f'{f.rule} {f.resource}')}")
        command = "error" if f.level == "error" else "warning"
        lines.append(f"::{command} {','.join(props)}::{_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


# --- baselines -----------------------------------------------------------------------------


def baseline(findings: Sequence[Finding]) -> dict[str, Any]:
    """Today's findings, by fingerprint (what ``--baseline`` leaves out later)."""
    return {
        "version": BASELINE_VERSION,
        "tool": TOOL,
        "findings": {
            fingerprint(f): {"rule": f.rule, "resource": f.resource, "file": relative(f.file)}
            for f in findings
        },
    }


class BaselineError(ValueError):
    """A baseline file that cannot be used (the one-line message names it)."""


def read_baseline(path: Path) -> set[str]:
    """The fingerprints of a baseline file written by ``--write-baseline``."""
    from guardrails.scan.cloudformation import read_text
    from guardrails.scan.errors import ScanInputError

    if not path.exists():
        raise BaselineError(f"{path}: no such baseline file")
    try:
        data = json.loads(read_text(path))
    except ScanInputError as exc:
        raise BaselineError(str(exc)) from exc
    except (json.JSONDecodeError, RecursionError) as exc:
        raise BaselineError(f"{path}: not a baseline file ({exc})") from exc
    found = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(found, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: not a guardrails baseline (version {BASELINE_VERSION} with findings)"
        )
    return set(found)


def write_atomic(path: Path, text: str) -> None:
    """Write a report: to a temporary file beside it, then renamed (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
