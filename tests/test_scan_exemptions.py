"""Repository exemptions for `guardrails scan` (.guardrails.yaml): rule, resource pattern,
reason, owner and end date; SARIF suppressions with the justification; expired and unused
exemptions reported (issue 14, item 4)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES

from guardrails.cli import main

TEMPLATE = "security-groups.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(FIXTURES / "cfn" / TEMPLATE, tmp_path / TEMPLATE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def exemptions(path: Path, *entries: dict[str, object]) -> None:
    path.write_text(yaml.safe_dump({"exemptions": list(entries)}))


def entry(**fields: object) -> dict[str, object]:
    return {
        "rule": "GR-SG1",
        "resource": "OpenSsh",
        "reason": "bastion for the on-call, ticket SEC-142",
        "owner": "platform-team",
        "expires": "2099-12-31",
        **fields,
    }


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_suppressed_finding_leaves_the_report_but_not_sarif(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, before, _ = run(capsys, TEMPLATE)
    exemptions(repo / ".guardrails.yaml", entry())  # found in the working directory
    code, out, err = run(capsys, TEMPLATE)
    assert code == 1  # other groups still fail
    assert "OpenSsh" in before and "OpenSsh" not in out
    assert "1 suppressed by .guardrails.yaml" in err
    code, out, _ = run(capsys, "--format", "sarif", TEMPLATE)
    log = json.loads(out)
    import jsonschema

    jsonschema.validate(log, json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text()))
    [waived] = [r for r in log["runs"][0]["results"] if "suppressions" in r]
    assert waived["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "OpenSsh"
    assert waived["suppressions"] == [
        {
            "kind": "external",
            "justification": "bastion for the on-call, ticket SEC-142 (owner platform-team, "
            "until 2099-12-31)",
        }
    ]
    code, out, _ = run(capsys, "--format", "junit", TEMPLATE)
    cases = ET.fromstring(out).findall("testsuite/testcase")
    [skipped] = [c for c in cases if c.find("skipped") is not None]
    assert skipped.get("name") == "OpenSsh GR-SG1" and skipped.find("failure") is None


def test_patterns_and_files_match_and_an_expired_exemption_suppresses_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exemptions(
        repo / "waivers.yaml",
        entry(resource="Open*", file="*.yaml"),
        entry(resource="Bastion", expires="2020-01-31"),
        entry(resource="OpenSsh", file="other/*.json"),  # another file: never matches
    )
    code, out, err = run(capsys, "--exemptions", "waivers.yaml", TEMPLATE)
    assert code == 1
    assert "OpenSsh" not in out
    assert "Bastion" in out and "(exemption #2 (GR-SG1 Bastion) expired on 2020-01-31)" in out
    assert "unused exemption #3 (GR-SG1 OpenSsh) in waivers.yaml" in err
    assert "#1" not in err and "#2" not in err  # used (the expired one matched too)


def test_unused_exemptions_fail_only_when_asked(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = repo / "clean.template.json"
    clean.write_text(json.dumps({"Resources": {}}))
    exemptions(repo / ".guardrails.yaml", entry(resource="Gone"))
    code, _, err = run(capsys, str(clean))
    assert code == 0 and "unused exemption #1 (GR-SG1 Gone)" in err
    assert run(capsys, "--fail-on-unused", str(clean))[0] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("exemptions: 3", "expected a mapping with a list 'exemptions'"),
        ("exemptions: [1]", "exemptions[0]: expected a mapping"),
        ("exemptions:\n  - {rule: GR-SG1}", "exemptions[0].resource: required"),
        (
            yaml.safe_dump({"exemptions": [entry(owner="")]}),
            "exemptions[0].owner: required",
        ),
        (
            yaml.safe_dump({"exemptions": [entry(rule="GR-NOPE")]}),
            "exemptions[0].rule: 'GR-NOPE' is not a rule of the catalog",
        ),
        (
            yaml.safe_dump({"exemptions": [entry(expires="next year")]}),
            "exemptions[0].expires: 'next year' is not an ISO date (YYYY-MM-DD)",
        ),
        (
            yaml.safe_dump({"exemptions": [entry(expires="2026-02-30")]}),
            "exemptions[0].expires: '2026-02-30' is not a date",
        ),
        (
            yaml.safe_dump({"exemptions": [entry(until="2027-01-01")]}),
            "exemptions[0]: unknown field 'until'",
        ),
        ("exemptions: [", "not valid YAML at line"),
    ],
)
def test_a_bad_exemption_file_is_one_line_naming_the_entry_and_field(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    (repo / ".guardrails.yaml").write_text(content)
    code, out, err = run(capsys, TEMPLATE)
    assert code == 2 and out == ""
    assert err.startswith("guardrails scan: .guardrails.yaml: ") and message in err, err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "--exemptions", "missing.yaml", TEMPLATE)
    assert code == 2 and "missing.yaml: no such exemption file" in err
