"""`guardrails scan` reports for CI: locations, SARIF, JUnit, GitHub commands, --output,
baselines that survive reformatting, --fail-level and --exit-zero (issue 14)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES

from guardrails.cli import main
from guardrails.scan import cfn_yaml
from guardrails.scan.engine import scan_path

CFN, TF = FIXTURES / "cfn", FIXTURES / "tf"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository of our fixtures, as the working directory (relative URIs)."""
    for name in ("security-groups.yaml", "buckets.json"):
        shutil.copy(CFN / name, tmp_path / name)
    shutil.copy(TF / "security-groups.plan.json", tmp_path / "sg.plan.json")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_finding_of_every_source_has_a_line_that_shows_its_value(workdir: Path) -> None:
    for name in ("security-groups.yaml", "buckets.json"):
        findings = scan_path(workdir / name)
        assert findings
        lines = (workdir / name).read_text().splitlines()
        for f in findings:
            assert f.line > 0 and f.column > 0, f
            text = lines[f.line - 1]
            if f.location.endswith("]"):  # a list item: the line where the item starts
                assert text[f.column - 1] in "-{[", (f, text)
                continue
            leaf = f.location.split(".")[-1].split("[")[0] if f.location else f.resource
            # The line names the field (or, for a value filled in, its resource).
            assert leaf in text or f.resource in text, (f, text)
    plan = workdir / "sg.plan.json"
    text = plan.read_text().splitlines()
    for f in scan_path(plan):
        assert f.line > 0 and f'"{f.resource}"' in text[f.line - 1], f


def test_sarif_has_rules_locations_fingerprints_and_relative_uris(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--format", "sarif", "security-groups.yaml", "sg.plan.json")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert run_["originalUriBaseIds"]["SRCROOT"]["uri"] == workdir.resolve().as_uri() + "/"
    assert {r["id"] for r in rules} >= {"GR-SG1", "GR-SG2", "GR-S3P1"}
    for rule in rules:
        assert rule["help"]["text"] and rule["properties"]["security-severity"] in ("8.0", "5.0")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    results = run_["results"]
    assert results
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "SRCROOT"
        assert physical["artifactLocation"]["uri"] in ("security-groups.yaml", "sg.plan.json")
        assert physical["region"]["startLine"] >= 1
        assert len(result["partialFingerprints"]["guardrails/v1"]) == 32
        assert result["level"] in ("error", "warning")


def test_sarif_validates_against_the_sarif_2_1_0_schema(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The OASIS schema, stored with its source named (fixtures/sarif-schema-2.1.0.SOURCE.md);
    every result carries a physical location."""
    import jsonschema

    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    shutil.copytree(CFN, workdir / "cfn")
    code, out, _ = run(capsys, "--format", "sarif", "cfn", "sg.plan.json", "buckets.json")
    assert code == 2  # a folder must be a cdk.out: the error is the one line, no report
    paths = [str(p) for p in sorted((workdir / "cfn").iterdir())] + ["sg.plan.json"]
    code, out, _ = run(capsys, "--format", "sarif", *paths)
    log = json.loads(out)
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert len(results) > 10
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    # The validator does reject what the schema forbids (the test can fail).
    broken = json.loads(out)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def reformatted(source: Path, target: Path) -> None:
    """The same template as JSON, keys reordered, two blank lines on top: every line moves."""
    document = cfn_yaml.load(source.read_text())
    resources = document.pop("Resources")
    document["Resources"] = dict(reversed(list(resources.items())))
    target.write_text("\n\n" + json.dumps(document, indent=4))


def test_fingerprints_survive_reformatting_and_baselines_show_only_new_findings(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--write-baseline", "baseline.json", "security-groups.yaml")
    assert code == 0 and "baseline of" in err
    # Reformatted (YAML -> JSON, other order, other lines), kept under the same name.
    original = scan_path(workdir / "security-groups.yaml")
    reformatted(workdir / "security-groups.yaml", workdir / "reformatted.json")
    (workdir / "security-groups.yaml").write_text((workdir / "reformatted.json").read_text())
    again = scan_path(workdir / "security-groups.yaml")
    assert {f.line for f in again} != {f.line for f in original}
    code, out, err = run(capsys, "--baseline", "baseline.json", "security-groups.yaml")
    assert code == 0 and out == "" and f"({len(original)} more in the baseline)" in err
    # A new violation is reported (and fails) despite the baseline.
    document = json.loads((workdir / "security-groups.yaml").read_text())
    document["Resources"]["NewOpenRdp"] = {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": "new",
            "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIp": "0.0.0.0/0"}
            ],
        },
    }
    (workdir / "security-groups.yaml").write_text(json.dumps(document, indent=2))
    code, out, _ = run(capsys, "--baseline", "baseline.json", "security-groups.yaml")
    assert code == 1 and out.count("\n") == 1 and "NewOpenRdp" in out


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "no such baseline file"), ("[]", "not a guardrails baseline"), ("{", "not a baseline")],
)
def test_a_bad_baseline_is_one_line_and_exit_two(
    workdir: Path, capsys: pytest.CaptureFixture[str], content: str | None, reason: str
) -> None:
    if content is not None:
        (workdir / "b.json").write_text(content)
    code, _, err = run(capsys, "--baseline", "b.json", "buckets.json")
    assert code == 2 and reason in err and len(err.strip().splitlines()) == 1


def test_junit_has_a_testcase_per_resource_and_rule(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--format", "junit", "security-groups.yaml")
    assert code == 1
    root = ET.fromstring(out)
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests", 0)) == len(cases) > 0
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names))  # one per resource and rule
    failed = [c for c in cases if c.find("failure") is not None]
    errors = {
        (f.resource, f.rule)
        for f in scan_path(workdir / "security-groups.yaml")
        if f.level == "error"
    }
    assert int(suite.get("failures", 0)) == len(failed) == len(errors)
    assert any(c.find("failure") is None for c in cases)  # passes are listed too
    assert all(c.get("classname") == "security-groups.yaml" for c in cases)


def test_github_commands_and_output_file_with_the_text_on_the_terminal(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--format", "github", "buckets.json")
    assert code == 1
    lines = out.splitlines()
    assert lines and all(
        line.startswith(("::error file=buckets.json,line=", "::warning file=")) for line in lines
    )
    code, out, err = run(
        capsys, "--format", "sarif", "--output", "out/report.sarif", "buckets.json"
    )
    assert code == 1 and (workdir / "out" / "report.sarif").is_file()
    assert json.loads((workdir / "out" / "report.sarif").read_text())["version"] == "2.1.0"
    assert "buckets.json:" in out and "finding(s)" in err  # the text report still shows


def test_fail_level_and_exit_zero(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # FromParameter's CidrIp is unresolved: a warning; the other groups have errors.
    warnings_only = workdir / "warn.json"
    document: dict[str, Any] = {
        "Parameters": {"Source": {"Type": "String"}},
        "Resources": {
            "Maybe": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "x",
                    "SecurityGroupIngress": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "CidrIp": {"Ref": "Source"},
                        }
                    ],
                },
            }
        },
    }
    warnings_only.write_text(yaml.safe_dump(document))
    assert run(capsys, str(warnings_only))[0] == 0
    assert run(capsys, "--fail-level", "warning", str(warnings_only))[0] == 1
    assert run(capsys, "--exit-zero", "security-groups.yaml")[0] == 0
    assert run(capsys, "--exit-zero", "missing.yaml")[0] == 2  # bad input still fails


def test_every_format_on_a_cdk_out_with_a_stage_and_a_nested_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import aws_cdk as cdk
    import jsonschema
    from aws_cdk import aws_ec2 as ec2

    app = cdk.App(outdir=str(tmp_path / "cdk.out"), context={"aws:cdk:enable-path-metadata": True})
    parent = cdk.Stack(cdk.Stage(app, "Prod"), "Parent")
    for scope, name in ((cdk.NestedStack(parent, "Network"), "Nested"), (parent, "Top")):
        ec2.CfnSecurityGroup(
            scope,
            name,
            group_description=name,
            security_group_ingress=[
                ec2.CfnSecurityGroup.IngressProperty(
                    ip_protocol="tcp", from_port=3389, to_port=3389, cidr_ip="0.0.0.0/0"
                )
            ],
        )
    app.synth()
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "--format", "sarif", "cdk.out")
    assert code == 1
    log = json.loads(out)
    jsonschema.validate(log, json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text()))
    results = log["runs"][0]["results"]
    paths = {r["properties"]["constructPath"] for r in results}
    assert paths == {"Prod/Parent/Network/Nested", "Prod/Parent/Top"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(u.startswith("cdk.out/assembly-Prod/") for u in uris) and len(uris) == 2
    code, out, _ = run(capsys, "--format", "junit", "cdk.out")
    failures = ET.fromstring(out).findall("testsuite/testcase/failure")
    assert code == 1 and len(failures) == 2
    code, out, _ = run(capsys, "--format", "github", "cdk.out")
    assert out.count("::error file=cdk.out/assembly-Prod/") == 2
    code, out, _ = run(capsys, "--format", "json", "cdk.out")
    assert {f["constructPath"] for f in json.loads(out)} == paths


def test_plan_positions_in_one_pass_on_a_one_line_plan_with_escaped_addresses() -> None:
    from guardrails.scan.positions import plan_positions

    text = (
        '{"planned_values":{"root_module":{"resources":['
        '{"address":"aws_security_group.a"},'
        '{"address": "aws_security_group.b[\\"x\\\\\\"y\\"]"}]}},'
        '\n  "resource_changes":[{"address":"aws_security_group.a"}]}'
    )
    positions = plan_positions(text)
    first = text.index('"address":"aws_security_group.a"') + 1
    assert positions["aws_security_group.a"] == (1, first)  # the first occurrence
    escaped = json.loads(text)["planned_values"]["root_module"]["resources"][1]["address"]
    assert escaped == 'aws_security_group.b["x\\"y"]'
    assert positions[escaped] == (1, text.index('{"address": "aws_security_group.b') + 2)
