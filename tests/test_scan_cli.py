"""`guardrails scan` and `guardrails rules`: contracts, exit codes, bad input, RULES.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT

from guardrails.catalog import markdown
from guardrails.cli import main

CFN, TF = FIXTURES / "cfn", FIXTURES / "tf"
FIELDS = ["policy", "rule", "level", "resource", "file", "line", "column", "message"]


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(["scan", *args])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if "--format" in args and "json" in args else captured.out
    return code, out, captured.err


def test_json_contract_and_exit_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, findings, _ = scan(capsys, "--format", "json", str(CFN / "security-groups.yaml"))
    assert code == 1
    assert findings and all(list(f) == FIELDS for f in findings)
    first = findings[0]
    assert first == {
        "policy": "sg-open-ingress",
        "rule": "GR-SG1",
        "level": "error",
        "resource": "OpenSsh",
        "file": str(CFN / "security-groups.yaml"),
        "line": 35,  # the CidrIp key of the flow mapping
        "column": 55,
        "message": "tcp 22 from 0.0.0.0/0 is open to the whole internet (allowed public ports: "
        "80, 443); restrict the source or use a prefix list at "
        "SecurityGroupIngress[0].CidrIp",
    }


def test_several_paths_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, findings, _ = scan(
        capsys, "--format", "json", str(CFN / "buckets.json"), str(TF / "buckets.plan.json")
    )
    assert code == 1
    assert {Path(f["file"]).name for f in findings} == {"buckets.json", "buckets.plan.json"}


def test_warnings_only_exit_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  Cidr: {Type: String}\nResources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n      GroupDescription: g\n      SecurityGroupIngress:\n"
        "        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Cidr}\n"
    )
    code, out, err = scan(capsys, str(template))
    assert code == 0
    assert out.startswith("WARNING GR-SG2")
    assert err.strip() == "1 finding(s), 0 error(s) in 1 path(s)"


def test_clean_template_exit_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "clean.json"
    deny_http = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    policy = {"Bucket": {"Ref": "B"}, "PolicyDocument": {"Statement": [deny_http]}}
    resources = {
        "B": {"Type": "AWS::S3::Bucket"},
        "P": {"Type": "AWS::S3::BucketPolicy", "Properties": policy},
    }
    template.write_text(json.dumps({"Resources": resources}))
    assert scan(capsys, "--format", "json", str(template))[:2] == (0, [])


def test_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, findings, _ = scan(
        capsys,
        "--format",
        "json",
        "--allowed-ports",
        "22,443,3389,5432,8443,53,3306",
        "--exemption-tag-key",
        "Nope",
        str(CFN / "security-groups.yaml"),
    )
    assert code == 1
    rules = {(f["resource"], f["rule"]) for f in findings if f["level"] == "error"}
    assert ("OpenSsh", "GR-SG1") not in rules and ("Exempted", "GR-SG1") not in rules
    assert ("SingleObject", "GR-SG1") in rules  # all traffic is never allowed
    _, findings, _ = scan(capsys, "--format", "json", "--require-kms", str(CFN / "buckets.json"))
    assert any(f["resource"] == "PlainBucket" and f["rule"] == "GR-S3E1" for f in findings)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.json", None, "missing.json: no such file"),
        ("empty.json", "", "empty.json: empty file"),
        ("blank.yaml", "  \n", "blank.yaml: empty file"),
        ("broken.json", '{"Resources": ', "broken.json: invalid JSON at line 1"),
        ("broken.yaml", "Resources:\n  A: [unclosed\n", "broken.yaml: invalid YAML at line"),
        ("other.json", '{"hello": "world"}', "other.json: neither a CloudFormation template"),
        ("list.json", "[1, 2]", "list.json: neither a CloudFormation template"),
    ],
)
def test_unreadable_input_exits_two_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str | None, reason: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    code, out, err = scan(capsys, str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"guardrails scan: {tmp_path}")
    assert reason in err


def test_folder_that_is_not_a_cloud_assembly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = scan(capsys, str(tmp_path))
    assert code == 2 and "a folder must be a cdk.out cloud assembly (no manifest.json)" in err


def test_bad_allowed_ports_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "--allowed-ports", "80,http", str(CFN / "buckets.json")])
    assert exit_info.value.code == 2
    assert "'http' is not a port number" in capsys.readouterr().err


def test_rules_json_and_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    catalog = json.loads(capsys.readouterr().out)
    # The manifest: every rule id and level, pinned (ids are never reused).
    # Policies come in id order (one folder each); rules in their spec's order.
    assert [(r["rule"], r["policy"], r["level"]) for r in catalog] == [
        ("GR-CT1", "cloudtrail-enabled", "error"),
        ("GR-CT2", "cloudtrail-enabled", "warning"),
        ("GR-CT3", "cloudtrail-enabled", "error"),
        ("GR-CFG1", "config-recorder-on", "error"),
        ("GR-CFG2", "config-recorder-on", "warning"),
        ("GR-DSG1", "default-sg-closed", "error"),
        ("GR-DSG2", "default-sg-closed", "warning"),
        ("GR-EBS1", "ebs-encryption", "error"),
        ("GR-EBS2", "ebs-encryption", "warning"),
        ("GR-EBSP1", "ebs-snapshot-public", "error"),
        ("GR-EBSP2", "ebs-snapshot-public", "warning"),
        ("GR-EX1", "exemption-tags", "warning"),
        ("GR-EX2", "exemption-tags", "error"),
        ("GR-GD1", "guardduty-enabled", "error"),
        ("GR-GD2", "guardduty-enabled", "warning"),
        ("GR-IMDS1", "imdsv2-required", "error"),
        ("GR-IMDS2", "imdsv2-required", "warning"),
        ("GR-KMS1", "kms-key-deletion", "error"),
        ("GR-LMB1", "lambda-public-access", "error"),
        ("GR-LMB2", "lambda-public-access", "error"),
        ("GR-LMB3", "lambda-public-access", "warning"),
        ("GR-RDS1", "rds-public-access", "error"),
        ("GR-RDS2", "rds-public-access", "warning"),
        ("GR-RDSS1", "rds-snapshot-public", "error"),
        ("GR-RS1", "redshift-public-access", "error"),
        ("GR-RS2", "redshift-public-access", "warning"),
        ("GR-S3E1", "s3-encryption", "error"),
        ("GR-S3E2", "s3-encryption", "warning"),
        ("GR-S3P1", "s3-public-access", "error"),
        ("GR-S3P2", "s3-public-access", "error"),
        ("GR-S3P3", "s3-public-access", "error"),
        ("GR-S3P4", "s3-public-access", "warning"),
        ("GR-S3T1", "s3-ssl-only", "error"),
        ("GR-S3T2", "s3-ssl-only", "warning"),
        ("GR-SG1", "sg-open-ingress", "error"),
        ("GR-SG2", "sg-open-ingress", "warning"),
        ("GR-SNS1", "sns-topic-public", "error"),
        ("GR-SNS2", "sns-topic-public", "warning"),
        ("GR-SSM1", "ssm-document-public", "error"),
    ]
    for entry in catalog:
        assert entry["info"] and entry["explanation"] and entry["fix"] and entry["planes"]


def test_rules_md_is_in_sync() -> None:
    assert (ROOT / "RULES.md").read_text() == markdown(), (
        "regenerate: guardrails rules --format markdown > RULES.md"
    )


def test_rules_text_columns_line_up_for_every_policy(capsys: pytest.CaptureFixture[str]) -> None:
    from guardrails.catalog import catalog

    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    entries = catalog()
    assert len(lines) == len(entries)
    assert lines[0].split()[:3] == ["GR-CT1", "error", "cloudtrail-enabled"]
    # The level column starts at the same place too, whatever the rule id's length.
    assert len({line.index(" error ") for line in lines if " error " in line}) == 1
    # The "what" column starts at the same place on every line, whatever the policy's length.
    starts = {line.index(entry["info"]) for line, entry in zip(lines, entries, strict=True)}
    assert len(starts) == 1
    longest = max(len(e["policy"]) for e in entries)
    for line, entry in zip(lines, entries, strict=True):
        assert f" {entry['policy'].ljust(longest)} {entry['info']}" in line
