"""Three-valued verdicts (issue 17): an unresolved value gives a warning only when some
value of it would violate; an unknown that cannot flip the verdict disappears, one that
can still warns (never a silent pass).

Templates and the Terraform plan (``tests/fixtures/tf/src/three-valued``, planned offline
by ``generate.py``) are ours; the CDK app is ``tests/fixtures/apps/l2_patterns.py``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from guardrails.scan import cfn_yaml
from guardrails.scan.cloudformation import subjects
from guardrails.scan.engine import ScanOptions, evaluate, scan_path
from guardrails_runtime.model import PolicyOptions


def judged(resources: str, options: ScanOptions | None = None) -> list[tuple[str, str, str]]:
    template = cfn_yaml.load("Resources:\n" + resources)
    found = evaluate(subjects(template, "t"), options or ScanOptions())
    return sorted((f.resource, f.rule, f.location) for f in found)


def group(*rules: str) -> str:
    body = "".join(f"        - {{{r}}}\n" for r in rules)
    return (
        "  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n"
        "  Other:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {GroupDescription: o}\n"
        "  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        "      GroupDescription: x\n      SecurityGroupIngress:\n" + body
    )


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !GetAtt Vpc.CidrBlock", []),
        ("IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIpv6: !ImportValue v6", []),
        ("IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupId: !Ref Other", []),
        ("IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupId: !ImportValue g", []),
        ("IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: !ImportValue p", []),
        (
            "IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !GetAtt Vpc.CidrBlock",
            ["SecurityGroupIngress[0].CidrIp"],
        ),
        (
            "IpProtocol: tcp, FromPort: 80, ToPort: 443, CidrIp: !ImportValue c",
            ["SecurityGroupIngress[0].CidrIp"],  # 81..442 are not allowed
        ),
        ("IpProtocol: '-1', CidrIp: !ImportValue c", ["SecurityGroupIngress[0].CidrIp"]),
        (
            "IpProtocol: icmp, FromPort: -1, ToPort: -1, CidrIp: !ImportValue c",
            ["SecurityGroupIngress[0].CidrIp"],
        ),
        (
            "IpProtocol: tcp, FromPort: !ImportValue port, ToPort: 443, CidrIp: !ImportValue c",
            ["SecurityGroupIngress[0].CidrIp"],  # the port is unknown too
        ),
    ],
    ids=[
        "unknown CIDR on 443",
        "unknown IPv6 CIDR on 80",
        "group reference",
        "unknown group reference",
        "unknown prefix list",
        "unknown CIDR on 22",
        "unknown CIDR on 80-443",
        "unknown CIDR, all traffic",
        "unknown CIDR, ICMP",
        "unknown CIDR and port",
    ],
)
def test_an_unknown_source_warns_only_where_it_could_open_a_disallowed_port(
    rule: str, expected: list[str]
) -> None:
    found = judged(group(rule))
    assert [location for _, _, location in found] == expected
    assert all(r == "GR-SG2" for _, r, _ in found)


def test_the_allowed_ports_decide_what_an_unknown_source_could_violate() -> None:
    rule = "IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !GetAtt Vpc.CidrBlock"
    ssh_allowed = ScanOptions(policy=PolicyOptions(allowed_public_ports=frozenset({22})))
    assert judged(group(rule), ssh_allowed) == []
    https = "IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !GetAtt Vpc.CidrBlock"
    assert len(judged(group(https), ScanOptions(policy=PolicyOptions(frozenset())))) == 1


def bucket_policy(*statements: str) -> str:
    body = "".join(f"          - {s}\n" for s in statements)
    return (
        "  B:\n    Type: AWS::S3::Bucket\n"
        "  P:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref B\n"
        "      PolicyDocument:\n        Statement:\n"
        "          - {Effect: Deny, Principal: '*', Action: 's3:*', Resource: '*',"
        " Condition: {Bool: {aws:SecureTransport: 'false'}}}\n" + body
    )


@pytest.mark.parametrize(
    "statement",
    [
        "{Effect: Allow, Principal: {Service: logging.s3.amazonaws.com}, Action: s3:PutObject,"
        " Resource: '*', Condition: {ArnLike: {aws:SourceArn: !Sub 'arn:${AWS::Partition}:s3:::"
        "src'}, StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}}",
        "{Effect: Allow, Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:"
        "root'}, Action: s3:GetObject, Resource: '*'}",
        "{Effect: Allow, Principal: {AWS: !Join ['', ['arn:', !Ref AWS::Partition, ':iam::',"
        " !Ref AWS::AccountId, ':role/reader']]}, Action: s3:GetObject, Resource: '*'}",
        "{Effect: Allow, Principal: {Service: !Sub 'delivery.logs.${AWS::URLSuffix}'},"
        " Action: s3:PutObject, Resource: !Sub 'arn:${AWS::Partition}:s3:::b/${AWS::Region}/*'}",
    ],
    ids=["service, unknown SourceArn", "account root", "joined role", "URLSuffix"],
)
def test_statements_that_cannot_be_public_do_not_warn(statement: str) -> None:
    assert judged(bucket_policy(statement)) == []


@pytest.mark.parametrize(
    "statement",
    [
        "{Effect: Allow, Principal: {AWS: !ImportValue who}, Action: s3:GetObject, Resource: '*'}",
        "{Effect: Allow, Principal: {AWS: !Ref AWS::AccountId}, Action: s3:GetObject,"
        " Resource: '*'}",
        "{Effect: Allow, Principal: '*', Action: s3:GetObject, Resource: '*',"
        " Condition: {IpAddress: {aws:SourceIp: !ImportValue range}}}",
    ],
    ids=["unknown principal", "a whole pseudo parameter", "anyone, unknown source range"],
)
def test_statements_that_could_be_public_still_warn(statement: str) -> None:
    found = judged(bucket_policy(statement))
    assert [(r, rule) for r, rule, _ in found] == [("P", "GR-S3P4")]


def test_terraform_unknowns_that_cannot_change_the_verdict() -> None:
    """Real plan: rules as separate resources leave the group's ingress computed; a canned
    ACL leaves access_control_policy computed; unknown sources on allowed ports."""
    found = {
        (f.resource, f.rule, f.location.split(".")[0])
        for f in scan_path(FIXTURES / "tf" / "three-valued.plan.json")
    }
    assert found == {
        ("aws_s3_bucket.logs", "GR-S3T1", ""),
        ("aws_s3_bucket.site", "GR-S3T1", ""),
        ("aws_s3_bucket_acl.canned_public", "GR-S3P2", "acl"),
        # a dynamic block whose count is unknown: its source could be anything
        ("aws_security_group.dynamic", "GR-SG2", "ingress[0]"),
        # inline 3389 from an unknown IPv6 block (the 443 block beside it: nothing)
        ("aws_security_group.inline", "GR-SG2", "ingress[0]"),
        ("aws_vpc_security_group_ingress_rule.ssh_from_vpc", "GR-SG2", "cidr_ipv6"),
    }
    plan = json.loads((FIXTURES / "tf" / "three-valued.plan.json").read_text())
    inline = next(
        r for r in plan["resource_changes"] if r["address"] == "aws_security_group.inline"
    )
    assert inline["change"]["after"]["ingress"][0]["from_port"] == 3389


def test_an_unknown_ingress_without_rule_resources_still_warns() -> None:
    """A group whose ingress is unknown and that no rule resource names may hold a dynamic
    block (the plan's configuration section leaves those out): unknown, so a warning."""
    plan: dict[str, Any] = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_security_group.g",
                "type": "aws_security_group",
                "mode": "managed",
                "name": "g",
                "change": {
                    "actions": ["create"],
                    "after": {"name": "g"},
                    "after_unknown": {"ingress": True},
                },
            }
        ],
        "configuration": {
            "root_module": {
                "resources": [{"address": "aws_security_group.g", "expressions": {"name": {}}}]
            }
        },
    }
    from guardrails.scan import terraform

    found = evaluate(terraform.subjects(plan, "p.json"))
    assert [(f.rule, f.location) for f in found] == [("GR-SG2", "ingress")]


@pytest.fixture(scope="module")
def l2_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The app synthesized once with GuardrailChecks attached: (cdk.out, the plugin)."""
    import aws_cdk as cdk

    from guardrails import GuardrailChecks

    spec = importlib.util.spec_from_file_location(
        "l2_patterns", FIXTURES / "apps" / "l2_patterns.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("l2") / "cdk.out"
    app = module.build(str(out))
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    app.synth()
    return out, checks


@pytest.fixture(scope="module")
def l2_assembly(l2_synth: tuple[Path, Any]) -> Path:
    return l2_synth[0]


def test_common_cdk_l2_patterns_synthesize_with_zero_findings(l2_synth: tuple[Path, Any]) -> None:
    """GuardrailChecks inside the synth of the same app: no error, no warning."""
    assert [f.as_dict() for f in l2_synth[1].findings] == []


def test_common_cdk_l2_patterns_scan_with_zero_findings(l2_assembly: Path) -> None:
    template = json.loads((l2_assembly / "Patterns.template.json").read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    # The app holds what the patterns are about (a weaker app would pass trivially).
    assert {
        "AWS::EC2::VPCEndpoint",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ECS::Service",
        "AWS::S3::BucketPolicy",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::Lambda::Permission",
        "AWS::RDS::DBInstance",
        "AWS::SNS::TopicPolicy",
        "AWS::EC2::Instance",
        "AWS::EC2::Volume",
    } <= types
    assert [f.as_dict() for f in scan_path(l2_assembly)] == []
