"""Exemptions with an end date and a reason (issue 14, item 4, the tags): beside
SecurityExemption=true, SecurityExemptionExpires (an ISO date) ends the exemption after that
day and SecurityExemptionReason says why. Past its date the exemption no longer counts, and
every plane says it expired: the runtime decision, the scan finding, the synth finding."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import clients, new_group, open_and_record, settings

from guardrails.scan.engine import ScanOptions, scan_path
from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision
from guardrails_runtime.settings import Exemption, exemption

TODAY = date(2026, 11, 28)
SSH = [
    {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    }
]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({}, Exemption(False)),
        ({"SecurityExemption": "True"}, Exemption(True)),
        (
            {"SecurityExemption": "true", "SecurityExemptionExpires": "2027-01-31"},
            Exemption(True, "until 2027-01-31"),
        ),
        (
            {"securityexemption": "true", "SECURITYEXEMPTIONEXPIRES": "2026-11-28"},
            Exemption(True, "until 2026-11-28"),  # the last day still counts
        ),
        (
            {
                "SecurityExemption": "true",
                "SecurityExemptionExpires": "2026-11-27T23:59:59Z",
                "SecurityExemptionReason": "vendor appliance",
            },
            Exemption(False, "the exemption expired on 2026-11-27"),
        ),
        (
            {"SecurityExemption": "true", "SecurityExemptionReason": "vendor appliance"},
            Exemption(True, "reason: vendor appliance"),
        ),
        (
            {"SecurityExemption": "true", "SecurityExemptionExpires": "next week"},
            Exemption(
                False,
                "the exemption's end date 'next week' (SecurityExemptionExpires) is not an ISO "
                "date (YYYY-MM-DD), so the exemption does not count",
            ),
        ),
        ({"SecurityExemptionExpires": "2099-01-01"}, Exemption(False)),  # no exemption tag
    ],
)
def test_the_exemption_and_its_end_date(tags: dict[str, str], expected: Exemption) -> None:
    assert exemption(tags, "SecurityExemption", "true", TODAY) == expected
    as_api = [{"Key": k, "Value": v} for k, v in tags.items()]
    assert exemption(as_api, "SecurityExemption", "true", TODAY) == expected


def test_a_custom_key_brings_its_own_companions() -> None:
    tags = {"Waiver": "yes", "WaiverExpires": "2020-01-01"}
    assert not exemption(tags, "Waiver", "yes", TODAY).counts


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    ("expires", "decision", "note"),
    [
        ("2020-01-01", Decision.REMEDIATED, "the exemption expired on 2020-01-01"),
        ("2099-12-31", Decision.EXEMPT, "(until 2099-12-31; reason: vendor scanner)"),
        ("soon", Decision.REMEDIATED, "is not an ISO date"),
    ],
)
def test_runtime_decisions_say_the_exemption_expired(
    ec2: Any, expires: str, decision: Decision, note: str
) -> None:
    gid = new_group(
        ec2,
        tags={
            "SecurityExemption": "true",
            "SecurityExemptionExpires": expires,
            "SecurityExemptionReason": "vendor scanner",
        },
    )
    outcome = process(open_and_record(ec2, gid, SSH), settings(), clients())
    assert outcome.decision is decision, outcome.reason
    assert note in outcome.reason


def template(expires: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Vendor": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "vendor",
                    "SecurityGroupIngress": [
                        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}
                    ],
                    "Tags": [
                        {"Key": "SecurityExemption", "Value": "true"},
                        {"Key": "SecurityExemptionExpires", "Value": expires},
                    ],
                },
            }
        }
    }


def test_scan_findings_say_the_exemption_expired(tmp_path: Path) -> None:
    path = tmp_path / "vendor.template.json"
    path.write_text(json.dumps(template("2026-01-31")))
    [expired] = scan_path(path, ScanOptions(today=TODAY))
    assert expired.level == "error" and "(the exemption expired on 2026-01-31)" in expired.message
    path.write_text(json.dumps(template("2027-01-31")))
    [current] = scan_path(path, ScanOptions(today=TODAY))
    assert current.level == "warning"
    assert current.message.startswith("exempted by tag SecurityExemption=true (until 2027-01-31)")


def test_synth_fails_again_once_the_exemption_expired(tmp_path: Path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2

    from guardrails import GuardrailChecks

    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Vendor")
    group = ec2.CfnSecurityGroup(
        stack,
        "Vendor",
        group_description="vendor",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp", from_port=22, to_port=22, cidr_ip="0.0.0.0/0"
            )
        ],
    )
    cdk.Tags.of(group).add("SecurityExemption", "true")
    cdk.Tags.of(group).add("SecurityExemptionExpires", "2020-01-01")
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(Exception, match="the exemption expired on 2020-01-01"):
        app.synth()
    [finding] = checks.findings
    assert finding.level == "error" and "the exemption expired on 2020-01-01" in finding.message


def test_the_rego_copies_read_the_end_date_like_the_scanner() -> None:
    """Plans: the engines agree on every fixture (tests/test_rego.py); here, the notes."""
    from conftest import FIXTURES

    from guardrails.rego_engine import evaluate

    plan = FIXTURES / "tf" / "exemption-expiry.plan.json"
    rego = {f["resource"]: f for f in evaluate(plan.read_text(), {})}
    python = {f.resource: f for f in scan_path(plan)}
    assert {k: f["level"] for k, f in rego.items()} == {k: f.level for k, f in python.items()}
    assert rego["aws_security_group.expired"]["level"] == "error"
    assert "(the exemption expired on 2020-01-31)" in rego["aws_security_group.expired"]["message"]
    assert "(the exemption expired on 2020-01-31)" in python["aws_security_group.expired"].message
    assert "is not an ISO date" in rego["aws_security_group.unreadable"]["message"]
    assert rego["aws_security_group.valid"]["level"] == "warning"
    assert rego["aws_security_group.open_ended"]["level"] == "warning"
