"""CloudFormation reader and resolver: every rule, compliant / violating / not applicable /
unresolvable, over JSON and YAML templates written for the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from guardrails.scan import cfn_yaml
from guardrails.scan.cloudformation import Resolver, ResourceRef, logical_id_of, subjects
from guardrails.scan.engine import ScanOptions, evaluate, scan_path
from guardrails.scan.errors import ScanInputError
from guardrails_runtime.model import PolicyOptions, Unresolved

CFN = FIXTURES / "cfn"


def table(path: Path, **options: Any) -> set[tuple[str, str, str]]:
    scan_options = ScanOptions(policy=PolicyOptions(**options)) if options else ScanOptions()
    return {
        (logical_id_of(f.resource), f.rule, f.level)
        for f in scan_path(path, scan_options)
        # s3-ssl-only (every bucket without a TLS deny) has its own suite
        if f.policy != "s3-ssl-only"
    }


def test_security_group_cases() -> None:
    assert table(CFN / "security-groups.yaml") == {
        ("OpenSsh", "GR-SG1", "error"),
        ("Bastion", "GR-SG1", "error"),  # parameter defaults resolve
        ("FromParameter", "GR-SG2", "warning"),  # parameter without default
        ("ProdRdp", "GR-SG1", "error"),  # Fn::If on a literal condition
        ("MappedPort", "GR-SG1", "error"),  # FindInMap, protocol "6", 0000::/0
        ("SingleObject", "GR-SG1", "error"),  # one object for a list, 192.168.1.0/0
        ("ListCidr", "GR-SG1", "error"),  # list-valued CidrIp
        ("Inverted", "GR-SG1", "error"),  # 443..80 covers more than 80 and 443
        ("MalformedPort", "GR-SG2", "warning"),  # 'ssh' is no port; private twin ignored
        ("FromVpcAttribute", "GR-SG2", "warning"),  # GetAtt is known only after deploy
        ("AdminList", "GR-SG1", "error"),  # Fn::Select from a CommaDelimitedList default
        ("Exempted", "GR-SG1", "warning"),  # exemption tag, any case
        ("PostgresFromAnywhere", "GR-SG1", "error"),  # stand-alone ingress, Fn::Sub
        ("ExemptedExtra", "GR-SG1", "warning"),  # stand-alone ingress of an exempt group
        ("DevOnly", "GR-SG1", "error"),  # condition false with the defaults: still judged
    }
    # Not applicable or compliant: PublicWeb (443, group and prefix-list sources),
    # QuotedPorts ("443"), Vpc.


def test_messages_name_value_location_and_fix() -> None:
    findings = {logical_id_of(f.resource): f for f in scan_path(CFN / "security-groups.yaml")}
    assert findings["OpenSsh"].message == (
        "tcp 22 from 0.0.0.0/0 is open to the whole internet (allowed public ports: 80, 443); "
        "restrict the source or use a prefix list at SecurityGroupIngress[0].CidrIp"
    )
    assert findings["FromParameter"].message == (
        "Ref to parameter 'AllowedCidr', which has no Default (give it a value with guardrails "
        "scan --parameter AllowedCidr=VALUE) at SecurityGroupIngress[0].CidrIp"
    )
    assert findings["MalformedPort"].message == (
        "FromPort 'ssh' is not a port number at SecurityGroupIngress[0].FromPort"
    )
    assert findings["Exempted"].message.startswith("exempted by tag SecurityExemption=true: ")


def test_allowed_ports_option() -> None:
    rows = table(CFN / "security-groups.yaml", allowed_public_ports=frozenset({22, 443}))
    assert ("OpenSsh", "GR-SG1", "error") not in rows
    assert ("ProdRdp", "GR-SG1", "error") in rows


def test_bucket_cases() -> None:
    assert table(CFN / "buckets.json") == {
        ("BadAlgorithm", "GR-S3E1", "error"),
        ("NoRules", "GR-S3E1", "error"),
        ("AlgorithmParameter", "GR-S3E2", "warning"),
        ("FlagsOff", "GR-S3P1", "error"),  # "false" parameter default, false, absent flag
        ("PublicReadBucket", "GR-S3P2", "error"),
        ("ExemptWebsite", "GR-S3P2", "warning"),
        ("PublicPolicy", "GR-S3P3", "error"),
        ("WorldIpPolicy", "GR-S3P3", "error"),  # aws:SourceIp 0.0.0.0/0 restricts nothing
    }
    # Compliant: PlainBucket (AWS defaults), KmsBucket, S3ManagedBucket, PrivateAclBucket,
    # PolicyBucket's Deny statement, OrgOnlyPolicy (aws:PrincipalOrgID).


def test_require_kms_option() -> None:
    rows = table(CFN / "buckets.json", require_kms=True)
    assert ("PlainBucket", "GR-S3E1", "error") in rows
    assert ("S3ManagedBucket", "GR-S3E1", "error") in rows
    assert ("KmsBucket", "GR-S3E1", "error") not in rows


def test_one_finding_names_every_flag_that_is_off() -> None:
    [finding] = [f for f in scan_path(CFN / "buckets.json") if f.rule == "GR-S3P1"]
    assert finding.location == "PublicAccessBlockConfiguration"
    assert (
        "BlockPublicAcls is false, BlockPublicPolicy is false, RestrictPublicBuckets is absent; "
        "all four flags must be true" in finding.message
    )


def test_all_four_flags_off_is_one_finding_naming_the_four() -> None:
    flags = {
        flag: False
        for flag in (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
    }
    template = {
        "Resources": {
            "Open": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"PublicAccessBlockConfiguration": flags},
            },
            "OneOff": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "PublicAccessBlockConfiguration": {
                        **dict.fromkeys(flags, True),
                        "IgnorePublicAcls": False,
                    }
                },
            },
        }
    }
    findings = [f for f in evaluate(subjects(template, "t.json")) if f.rule == "GR-S3P1"]
    by_resource = {f.resource: f for f in findings}
    assert len(findings) == 2
    for flag in flags:
        assert f"{flag} is false" in by_resource["Open"].message
    assert by_resource["OneOff"].location == "PublicAccessBlockConfiguration.IgnorePublicAcls"
    assert "BlockPublicAcls" not in by_resource["OneOff"].message


def test_template_without_relevant_resources() -> None:
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Egress": {
                "Type": "AWS::EC2::SecurityGroupEgress",
                "Properties": {"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"},
            },
        }
    }
    assert evaluate(subjects(template, "t.json")) == []


# --- resolver ---------------------------------------------------------------------------

TEMPLATE = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "prod"},
        "Free": {"Type": "String"},
        "Nets": {"Type": "CommaDelimitedList", "Default": "a,b"},
    },
    "Mappings": {"M": {"prod": {"cidr": "10.0.0.0/8"}}},
    "Conditions": {
        "Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "Unknown": {"Fn::Equals": [{"Ref": "Free"}, "x"]},
        "Both": {"Fn::And": [{"Condition": "Prod"}, {"Fn::Not": [{"Condition": "Prod"}]}]},
        "Either": {"Fn::Or": [{"Condition": "Unknown"}, {"Condition": "Prod"}]},
        "Loop": {"Condition": "Loop"},
    },
    "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Env"}, "prod"),
        ({"Ref": "Nets"}, ["a", "b"]),
        ({"Ref": "Bucket"}, ResourceRef("Bucket")),
        ({"Fn::GetAtt": ["Bucket", "Arn"]}, ResourceRef("Bucket", "Arn")),
        ({"Fn::Sub": "${Env}-x-${!Literal}"}, "prod-x-${Literal}"),
        ({"Fn::Sub": ["${A}/${Env}", {"A": "z"}]}, "z/prod"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}, "a-prod"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "x,y"]}]}, "y"),
        ({"Fn::FindInMap": ["M", {"Ref": "Env"}, "cidr"]}, "10.0.0.0/8"),
        ({"Fn::If": ["Prod", "yes", "no"]}, "yes"),
        ({"Fn::If": ["Both", "yes", "no"]}, "no"),
        ({"Fn::If": ["Either", "yes", "no"]}, "yes"),  # Or with one known true
        ([1, {"Ref": "AWS::NoValue"}, 2], [1, 2]),
        ({"Key": {"Ref": "AWS::NoValue"}, "Other": 1}, {"Other": 1}),
    ],
)
def test_resolver_evaluates(value: Any, expected: Any) -> None:
    assert Resolver(TEMPLATE).resolve(value, "P") == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"Ref": "Free"}, "Ref to parameter 'Free', which has no Default"),
        ({"Ref": "AWS::Region"}, "pseudo parameter AWS::Region is known only at deployment"),
        ({"Ref": "Nope"}, "Ref to 'Nope', which is neither a parameter nor a resource"),
        ({"Fn::If": ["Unknown", "a", "b"]}, "Fn::Equals compares a value unknown before deploy"),
        ({"Fn::If": ["Missing", "a", "b"]}, "condition 'Missing' is not defined"),
        ({"Fn::FindInMap": ["M", "dev", "cidr"]}, "is not in Mappings"),
        ({"Fn::Sub": "${Bucket.Arn}"}, "known only after deployment"),
        ({"Fn::ImportValue": "shared-cidr"}, "Fn::ImportValue is not evaluated before deployment"),
        ({"Fn::Select": [5, ["a"]]}, "out of range"),
    ],
)
def test_resolver_reports_what_it_cannot_resolve(value: Any, why: str) -> None:
    resolved = Resolver(TEMPLATE).resolve(value, "P")
    assert isinstance(resolved, Unresolved)
    assert why in resolved.why


def test_a_circular_condition_is_bad_input_not_an_unknown() -> None:
    """CloudFormation rejects the template: no value of it is ever deployed."""
    with pytest.raises(ScanInputError, match=r"t\.json: condition 'Loop' depends on itself"):
        Resolver(TEMPLATE, "t.json").resolve({"Fn::If": ["Loop", "a", "b"]}, "P")


def test_yaml_short_tags() -> None:
    loaded = cfn_yaml.load(
        "A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub 'x-${Y}'\nD: !If [C, 1, 2]\n"
        "E: !Condition C\nF: !GetAtt [R, Arn]\nG: !Join ['', [a, b]]\n"
    )
    assert loaded == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["R", "Arn"]},
        "C": {"Fn::Sub": "x-${Y}"},
        "D": {"Fn::If": ["C", 1, 2]},
        "E": {"Condition": "C"},
        "F": {"Fn::GetAtt": ["R", "Arn"]},
        "G": {"Fn::Join": ["", ["a", "b"]]},
    }


def test_trail_and_volume_cases() -> None:
    assert table(CFN / "trails-and-volumes.yaml") == {
        ("StoppedTrail", "GR-CT1", "error"),
        ("UnvalidatedTrail", "GR-CT1", "error"),  # EnableLogFileValidation defaults to off
        ("ParameterTrail", "GR-CT2", "warning"),
        ("PlainVolume", "GR-EBS1", "error"),  # Encrypted defaults to false
        ("ExemptVolume", "GR-EBS1", "warning"),
    }
