"""CDK acknowledgements with an end date, and unused ones (issue 14, item 4): an expired
acknowledgement fails synthesis again; one that matches nothing is reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2

from guardrails import GuardrailChecks, acknowledge

TODAY = date(2026, 11, 28)


def app_with_open_ssh(tmp_path: Path) -> tuple[cdk.App, cdk.Stack, ec2.CfnSecurityGroup]:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"), context={"aws:cdk:enable-path-metadata": True})
    stack = cdk.Stack(app, "Shop")
    group = ec2.CfnSecurityGroup(
        stack,
        "Bastion",
        group_description="bastion",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp", from_port=22, to_port=22, cidr_ip="0.0.0.0/0"
            )
        ],
    )
    return app, stack, group


def synth(app: cdk.App, **options: object) -> tuple[GuardrailChecks, Exception | None]:
    checks = GuardrailChecks(app, today=TODAY, **options)  # type: ignore[arg-type]
    cdk.Validations.of(app).add_plugins(checks)
    try:
        app.synth()
    except Exception as exc:  # the validation error is what we inspect
        return checks, exc
    return checks, None


def test_an_acknowledgement_holds_until_its_end_date(tmp_path: Path) -> None:
    app, _, group = app_with_open_ssh(tmp_path)
    acknowledge(group, "GR-SG1", "bastion, reviewed in SEC-123", expires="2027-01-31")
    _, error = synth(app)
    assert error is None


def test_an_expired_acknowledgement_fails_synth_again(tmp_path: Path) -> None:
    app, _, group = app_with_open_ssh(tmp_path)
    acknowledge(group, "GR-SG1", "bastion, reviewed in SEC-123", expires=date(2026, 10, 31))
    _, error = synth(app)
    assert error is not None
    text = str(error)
    assert "GR-SG1.acknowledgement-expired" in text or "acknowledgement of GR-SG1" in text
    assert "expired on 2026-10-31" in text and "bastion, reviewed in SEC-123" in text


def test_a_plain_acknowledgement_whose_reason_names_an_end_date_is_read_too(
    tmp_path: Path,
) -> None:
    app, stack, _ = app_with_open_ssh(tmp_path)
    cdk.Validations.of(stack).acknowledge(
        cdk.Acknowledgment(id="Guardrails::GR-SG1", reason="temporary, expires 2026-11-01")
    )
    _, error = synth(app)
    assert error is not None and "expired on 2026-11-01" in str(error)


def test_unused_acknowledgements_are_reported_and_fail_when_asked(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Quiet")
    ec2.CfnSecurityGroup(stack, "Private", group_description="no ingress")
    acknowledge(stack, "GR-SG1", "left from the old bastion", expires="2027-01-31")
    _, error = synth(app)
    assert error is None  # a warning
    report = (tmp_path / "cdk.out" / "validation-report.json").read_text()
    assert "GR-SG1.acknowledgement-unused" in report and "left from the old bastion" in report
    app2 = cdk.App(outdir=str(tmp_path / "cdk2.out"))
    stack2 = cdk.Stack(app2, "Quiet")
    ec2.CfnSecurityGroup(stack2, "Private", group_description="no ingress")
    acknowledge(stack2, "GR-SG1", "left from the old bastion", expires="2027-01-31")
    _, error = synth(app2, fail_on_unused=True)
    assert error is not None and "acknowledgement-unused" in str(error)


def test_acknowledge_refuses_a_date_it_cannot_read(tmp_path: Path) -> None:
    _, _, group = app_with_open_ssh(tmp_path)
    with pytest.raises(ValueError):
        acknowledge(group, "GR-SG1", "x", expires="next week")
