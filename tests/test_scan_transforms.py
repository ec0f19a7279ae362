"""Transforms in ``guardrails scan`` (issue 17): what a transform creates at deployment is
either read (``AWS::LanguageExtensions`` loops, a SAM function's URL) or reported as
``GR-IN1`` ("scan the processed template"), never passed silently.

Templates written here from the SAM specification and the CloudFormation transform
documentation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES

from guardrails.cli import main
from guardrails.scan import cfn_yaml
from guardrails.scan.cloudformation import subjects
from guardrails.scan.engine import evaluate


def rows(text: str) -> list[tuple[str, str, str]]:
    found = evaluate(subjects(cfn_yaml.load(text), "t.yaml"))
    return sorted((f.resource, f.rule, f.level) for f in found)


SAM = "Transform: AWS::Serverless-2016-10-31\n"
FUNCTION = (
    "    Type: AWS::Serverless::Function\n"
    "    Properties:\n"
    "      Runtime: python3.12\n"
    "      Handler: index.handler\n"
    "      InlineCode: 'def handler(event, context): return event'\n"
)


def test_a_sam_function_url_is_judged_like_a_lambda_url() -> None:
    text = SAM + (
        "Resources:\n"
        "  Open:\n" + FUNCTION + "      FunctionUrlConfig: {AuthType: NONE}\n"
        "  Signed:\n" + FUNCTION + "      FunctionUrlConfig: {AuthType: AWS_IAM}\n"
        "  NoUrl:\n" + FUNCTION + "      Events:\n"
        "        Upload: {Type: S3, Properties: {Bucket: !Ref B, Events: 's3:ObjectCreated:*'}}\n"
        "  B:\n    Type: AWS::S3::Bucket\n"
    )
    found = [r for r in rows(text) if r[0] != "B"]
    assert found == [("Open", "GR-LMB2", "error")]


def test_sam_alone_needs_no_processing_warning() -> None:
    text = SAM + "Resources:\n  Fn:\n" + FUNCTION
    assert rows(text) == []


@pytest.mark.parametrize(
    ("transform", "resources", "expected"),
    [
        ("Transform: CompanyMacro\n", "", [("Transform", "GR-IN1", "warning")]),
        (
            "Transform: [AWS::Serverless-2016-10-31, CompanyMacro]\n",
            "",
            [("Transform", "GR-IN1", "warning")],
        ),
        (
            "Transform: [{Name: CompanyMacro, Parameters: {Size: 2}}]\n",
            "",
            [("Transform", "GR-IN1", "warning")],
        ),
        (
            "",
            "  Fn::Transform:\n    Name: AWS::Include\n"
            "    Parameters: {Location: 's3://bucket/extra.yaml'}\n",
            [("Transform", "GR-IN1", "warning")],
        ),
        (
            SAM,
            "  Nested:\n    Type: AWS::Serverless::Application\n"
            "    Properties: {Location: {ApplicationId: app, SemanticVersion: 1.0.0}}\n",
            [("Nested", "GR-IN1", "warning")],
        ),
        ("Transform: AWS::LanguageExtensions\n", "", []),
    ],
    ids=["a macro", "SAM and a macro", "a macro with parameters", "an include", "SAM app", "LE"],
)
def test_what_a_transform_adds_is_reported_not_passed(
    transform: str, resources: str, expected: list[tuple[str, str, str]]
) -> None:
    text = transform + "Resources:\n" + resources + "  Bucket:\n    Type: AWS::S3::Bucket\n"
    found = [r for r in rows(text) if r[0] != "Bucket"]
    assert found == expected


def test_an_include_inside_a_resource_is_an_unknown_value() -> None:
    text = (
        "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        "      GroupDescription: x\n      SecurityGroupIngress:\n"
        "        Fn::Transform: {Name: AWS::Include, Parameters: {Location: 's3://b/r.yaml'}}\n"
    )
    assert rows(text) == [("Sg", "GR-SG2", "warning")]


def test_the_input_rule_in_reports_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    path = tmp_path / "macro.yaml"
    path.write_text("Transform: CompanyMacro\nResources:\n  B:\n    Type: AWS::SNS::Topic\n")
    assert main(["scan", str(path)]) == 0  # a warning
    assert main(["scan", "--fail-level", "warning", str(path)]) == 1
    capsys.readouterr()
    assert main(["scan", "--format", "sarif", str(path)]) == 0
    log = json.loads(capsys.readouterr().out)
    jsonschema.validate(log, json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text()))
    driver = log["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "GR-IN1" and ids[result["ruleIndex"]] == "GR-IN1"
