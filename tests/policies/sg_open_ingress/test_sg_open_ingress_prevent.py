"""sg-open-ingress, prevent plane: per rule and per source (CloudFormation, Terraform),
compliant / violating / not applicable / unresolvable / exempt. The pure table of
permission shapes is in test_sg_open_ingress_policy.py; CDK synth in tests/test_checks.py."""

from __future__ import annotations

from typing import Any

import pytest
from prevent import EXEMPT_CFN, EXEMPT_TF, cfn, tf, tf_resource

POLICY = "sg-open-ingress"
SG1, SG1_EXEMPT, SG2 = ("GR-SG1", "error"), ("GR-SG1", "warning"), ("GR-SG2", "warning")


def rule(port: Any, cidr: Any, protocol: Any = "tcp", key: str = "CidrIp") -> dict[str, Any]:
    return {"IpProtocol": protocol, "FromPort": port, "ToPort": port, key: cidr}


def group(*rules: dict[str, Any], tags: Any = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"GroupDescription": "g", "SecurityGroupIngress": list(rules)}
    if tags:
        properties["Tags"] = tags
    return {"Type": "AWS::EC2::SecurityGroup", "Properties": properties}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (group(rule(443, "0.0.0.0/0"), rule(22, "10.0.0.0/8")), set()),
        (group(rule(22, "0.0.0.0/0")), {SG1}),
        (group(rule(22, "::/0", key="CidrIpv6")), {SG1}),
        (group(rule(None, "0.0.0.0/0", protocol="-1")), {SG1}),
        (group(rule(22, "pl-12345678", key="SourcePrefixListId")), set()),
        (group(rule(22, {"Ref": "NoDefault"}, key="SourceSecurityGroupId")), set()),
        (group(rule(22, {"Ref": "NoDefault"})), {SG2}),
        (group(rule({"Ref": "NoDefault"}, "0.0.0.0/0")), {SG2}),
        (group(rule({"Ref": "NoDefault"}, "10.0.0.0/8")), set()),  # private: any port is fine
        (group(rule(22, "not-a-cidr")), {SG2}),
        (group(rule(22, "0.0.0.0/0"), tags=EXEMPT_CFN), {SG1_EXEMPT}),
        ({"Type": "AWS::EC2::SecurityGroupEgress", "Properties": rule(22, "0.0.0.0/0")}, set()),
    ],
)
def test_cloudformation(resource: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, {"G": resource}) == expected


@pytest.mark.parametrize(("tags", "expected"), [(None, {SG1}), (EXEMPT_CFN, {SG1_EXEMPT})])
def test_cloudformation_stand_alone_ingress_takes_its_groups_tags(
    tags: Any, expected: set[tuple[str, str]]
) -> None:
    ingress = {
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {"GroupId": {"Fn::GetAtt": ["G", "GroupId"]}, **rule(22, "0.0.0.0/0")},
    }
    assert cfn(POLICY, {"G": group(tags=tags), "Ssh": ingress}) == expected


def block(port: Any, cidrs: Any, protocol: str = "tcp") -> dict[str, Any]:
    return {"protocol": protocol, "from_port": port, "to_port": port, "cidr_blocks": cidrs}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (tf_resource("aws_security_group.g", {"ingress": [block(443, ["0.0.0.0/0"])]}), set()),
        (tf_resource("aws_security_group.g", {"ingress": [block(22, ["0.0.0.0/0"])]}), {SG1}),
        (
            tf_resource(
                "aws_security_group.g",
                {"ingress": [block(22, ["0.0.0.0/0"])], "tags": EXEMPT_TF},
            ),
            {SG1_EXEMPT},
        ),
        (
            tf_resource("aws_security_group.g", {"ingress": [block(22, None)]}, {"ingress": True}),
            {SG2},
        ),
        (
            tf_resource(
                "aws_security_group_rule.r",
                {"type": "egress", **block(22, ["0.0.0.0/0"]), "security_group_id": "sg-1"},
            ),
            set(),
        ),
        (
            tf_resource(
                "aws_security_group_rule.r",
                {"type": "ingress", **block(22, ["0.0.0.0/0"]), "security_group_id": "sg-1"},
            ),
            {SG1},
        ),
        (
            tf_resource(
                "aws_vpc_security_group_ingress_rule.r",
                {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0"},
            ),
            {SG1},
        ),
        (
            tf_resource(
                "aws_vpc_security_group_ingress_rule.r",
                {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": None},
                {"cidr_ipv4": True},
            ),
            {SG2},
        ),
        (
            tf_resource(
                "aws_vpc_security_group_ingress_rule.r",
                {
                    "ip_protocol": "tcp",
                    "from_port": 22,
                    "to_port": 22,
                    "referenced_security_group_id": "sg-2",
                },
            ),
            set(),
        ),
    ],
)
def test_terraform(change: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert tf(POLICY, change) == expected
