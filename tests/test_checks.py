"""GuardrailChecks in CDK apps built from L1 and L2 constructs, with real synthesis."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3
from conftest import FIXTURES, ROOT

from guardrails import GuardrailChecks, GuardrailSettings, GuardrailStack
from guardrails.scan.engine import scan_path

pytestmark = pytest.mark.synth


def build(
    tmp_path: Path, *, acknowledge: bool = False, settings: GuardrailSettings | None = None
) -> tuple[cdk.App, GuardrailChecks]:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Shop")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[])
    web = ec2.SecurityGroup(stack, "Web", vpc=vpc)
    web.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443))
    web.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22))
    web.add_ingress_rule(ec2.Peer.ipv4("10.0.0.0/8"), ec2.Port.tcp(5432))
    web.add_ingress_rule(ec2.Peer.prefix_list("pl-0123456789abcdef0"), ec2.Port.tcp(3389))
    legacy = ec2.SecurityGroup(stack, "Legacy", vpc=vpc, allow_all_ipv6_outbound=True)
    legacy.add_ingress_rule(ec2.Peer.any_ipv6(), ec2.Port.all_traffic())
    exempt = ec2.SecurityGroup(stack, "Partner", vpc=vpc)
    exempt.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(8443))
    cdk.Tags.of(exempt).add("SecurityExemption", "true")
    cidr = cdk.CfnParameter(stack, "OfficeCidr")
    ec2.CfnSecurityGroupIngress(
        stack,
        "Office",
        group_id=web.security_group_id,
        ip_protocol="tcp",
        from_port=22,
        to_port=22,
        cidr_ip=cidr.value_as_string,
    )
    s3.Bucket(stack, "Plain", enforce_ssl=True)
    s3.Bucket(
        stack,
        "Managed",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
    )
    site = s3.Bucket(
        stack,
        "Site",
        public_read_access=True,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess(
            block_public_acls=True,
            ignore_public_acls=True,
            block_public_policy=False,
            restrict_public_buckets=False,
        ),
    )
    if acknowledge:
        for construct, rule in (
            (web, "GR-SG1"),
            (legacy, "GR-SG1"),
            (site, "GR-S3P1"),
            (site, "GR-S3P3"),
        ):
            cdk.Validations.of(construct).acknowledge(
                cdk.Acknowledgment(id=f"Guardrails::{rule}", reason=f"{rule}: reviewed in SEC-42")
            )
    checks = GuardrailChecks(app, settings=settings)
    cdk.Validations.of(app).add_plugins(checks)
    return app, checks


def rows(checks: GuardrailChecks) -> set[tuple[str, str, str]]:
    """(logical id without its hash, rule, level) per finding."""
    return {(re.sub(r"[0-9A-F]{8}$", "", f.resource), f.rule, f.level) for f in checks.findings}


def test_l2_constructs_fail_synth_on_errors(tmp_path: Path) -> None:
    app, checks = build(tmp_path)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert rows(checks) == {
        ("Web", "GR-SG1", "error"),  # add_ingress_rule(any_ipv4, tcp 22)
        ("Legacy", "GR-SG1", "error"),  # any_ipv6, all traffic
        ("Partner", "GR-SG1", "warning"),  # Tags.of(...).add exemption
        ("Office", "GR-SG2", "warning"),  # CfnParameter without default
        ("Site", "GR-S3P1", "error"),  # block_public_policy=False ...
        ("SitePolicy", "GR-S3P3", "error"),  # public_read_access=True
    }
    messages = {f.rule: f.message for f in checks.findings if f.level == "error"}
    assert "tcp 22 from 0.0.0.0/0" in messages["GR-SG1"] or "::/0" in messages["GR-SG1"]


def test_acknowledgements_silence_and_show_in_report(tmp_path: Path) -> None:
    app, _ = build(tmp_path, acknowledge=True)
    assembly = app.synth()  # warnings and acknowledged errors do not fail
    report = json.loads((Path(assembly.directory) / "validation-report.json").read_text())
    [plugin] = [p for p in report["pluginReports"] if p["pluginName"] == "Guardrails"]
    suppressed = {(v["ruleName"], v["reason"]) for v in plugin["suppressedViolations"]}
    assert suppressed == {
        ("GR-SG1", "GR-SG1: reviewed in SEC-42"),
        ("GR-S3P1", "GR-S3P1: reviewed in SEC-42"),
        ("GR-S3P3", "GR-S3P3: reviewed in SEC-42"),
    }
    left = {(v["ruleName"], v["severity"]) for v in plugin["violations"]}
    assert left == {("GR-SG1", "warning"), ("GR-SG2", "warning")}
    assert plugin["conclusion"] == "success"


def test_report_names_construct_path_and_fix(tmp_path: Path) -> None:
    app, _ = build(tmp_path)
    with pytest.raises(RuntimeError) as failure:
        app.synth()
    text = str(failure.value)
    assert "Shop/Web/Resource" in text and "Acknowledge with 'Guardrails::GR-SG1'" in text
    assert "Suggested fix: Restrict the source" in text


def test_settings_reach_the_checks(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = cdk.Stack(app, "S")
    s3.Bucket(stack, "Plain", enforce_ssl=True)
    checks = GuardrailChecks(app, settings=GuardrailSettings(require_kms=True))
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(RuntimeError):
        app.synth()
    assert {f.rule for f in checks.findings} == {"GR-S3E1"}


def test_guardrail_stack_passes_its_own_checks_and_aws_solutions(tmp_path: Path) -> None:
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=str(tmp_path / "out"))
    GuardrailStack(app, "Guardrails", settings=GuardrailSettings())
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks, AwsSolutionsChecks(app))
    app.synth()
    assert checks.findings == []


def test_cdk_out_with_stage_and_nested_stack(tmp_path: Path) -> None:
    # Path metadata on, as `cdk synth` sets it by default.
    app = cdk.App(outdir=str(tmp_path / "cdk.out"), context={"aws:cdk:enable-path-metadata": True})
    stage = cdk.Stage(app, "Prod")
    parent = cdk.Stack(stage, "Parent")
    nested = cdk.NestedStack(parent, "Network")
    ec2.CfnSecurityGroup(
        nested,
        "Open",
        group_description="nested",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp", from_port=23, to_port=23, cidr_ip="0.0.0.0/0"
            )
        ],
    )
    app.synth()
    findings = scan_path(tmp_path / "cdk.out")
    assert [
        (f.rule, f.level, Path(f.file).name.endswith(".nested.template.json")) for f in findings
    ] == [("GR-SG1", "error", True)]
    assert findings[0].resource == "Open (Prod/Parent/Network/Open)"
    # Located: the template line of the offending value, and the construct that made it.
    finding = findings[0]
    assert finding.construct_path == "Prod/Parent/Network/Open"
    line = Path(finding.file).read_text().splitlines()[finding.line - 1]
    assert '"CidrIp"' in line and line.index('"CidrIp"') + 1 == finding.column


@pytest.mark.cli
def cli_synth(
    tmp_path: Path, app_name: str, *args: str, **env_extra: str
) -> subprocess.CompletedProcess[str]:
    """``cdk synth`` with the real CDK CLI on one of the fixture apps."""
    env = dict(os.environ)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        CDK_DISABLE_CLI_TELEMETRY="true",
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_HOME=str(tmp_path),
        PYTHONPATH=str(ROOT),
        **env_extra,
    )
    app = FIXTURES / "apps" / app_name
    return subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "cdk"),
            "synth",
            *args,
            "--quiet",
            "--no-notices",
            "--app",
            f"python3 {app}",
            "-o",
            str(tmp_path / "cdk.out"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_real_cdk_cli_exits_one_on_errors(tmp_path: Path) -> None:
    result = cli_synth(tmp_path, "open_ssh_app.py")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Guardrails::GR-SG1" in result.stderr
    assert "OpenSsh/Bastion/Resource" in result.stderr


@pytest.mark.cli
def test_plain_cdk_synth_fails_on_a_violation_inside_a_stage(tmp_path: Path) -> None:
    """`cdk synth` selects top-level stacks only and drops their report entries for stages.

    The plugin's stage summary names no construct, so the CLI keeps it and fails.
    """
    result = cli_synth(tmp_path, "stage_app.py")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "error GR-SG1" in result.stderr
    assert "Prod/Network/Bastion" in result.stderr
    assert "cdk synth '**'" in result.stderr


@pytest.mark.cli
def test_cdk_synth_all_stacks_shows_the_stage_finding_in_detail(tmp_path: Path) -> None:
    result = cli_synth(tmp_path, "stage_app.py", "**")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Guardrails::GR-SG1" in result.stderr
    assert "Prod/Network/Bastion" in result.stderr


@pytest.mark.cli
def test_an_acknowledged_stage_finding_does_not_fail_plain_synth(tmp_path: Path) -> None:
    result = cli_synth(tmp_path, "stage_app.py", STAGE_ACK="1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "GR-SG1" not in result.stderr


def test_stage_summary_only_outside_the_cli(tmp_path: Path) -> None:
    """Run directly, synth fails on every stack anyway: no extra summary is added."""
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stage = cdk.Stage(app, "Prod")
    stack = cdk.Stack(stage, "Network")
    ec2.CfnSecurityGroup(
        stack,
        "Bastion",
        group_description="ssh",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp", from_port=22, to_port=22, cidr_ip="0.0.0.0/0"
            )
        ],
    )
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "cdk.out" / "validation-report.json").read_text())
    [ours] = [r for r in report["pluginReports"] if r["pluginName"] == "Guardrails"]
    assert [v["ruleName"] for v in ours["violations"]] == ["GR-SG1"]
    assert ours["violations"][0]["violatingConstructs"]


def test_disabled_policies_are_not_checked(tmp_path: Path) -> None:
    """A policy left out of ``policies`` is neither deployed nor checked at synth."""
    settings = GuardrailSettings(policies=["s3-encryption", "s3-public-access"])
    app, checks = build(tmp_path, settings=settings)
    # GR-IN1 (input no policy can judge as written) is the scan's own rule, not a policy's.
    assert checks.rule_ids and all(r.startswith("GR-S3") or r == "GR-IN1" for r in checks.rule_ids)
    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        app.synth()
    assert {f.policy for f in checks.findings} == {"s3-public-access"}
    assert "GR-SG1" not in str(failure.value)


def test_checks_refuse_settings_of_the_wrong_type() -> None:
    from guardrails.settings import ContextError

    with pytest.raises(ContextError, match="dict is not a GuardrailSettings"):
        GuardrailChecks(None, settings={"mode": "notify"})  # type: ignore[arg-type]


def test_findings_match_scan_of_the_same_template(tmp_path: Path) -> None:
    """One engine: the plugin and `guardrails scan` agree on the synthesized template."""
    app, checks = build(tmp_path, acknowledge=True)
    app.synth()
    scanned = scan_path(tmp_path / "cdk.out")
    assert sorted(f.as_dict().items() for f in scanned) == sorted(
        f.as_dict().items() for f in checks.findings
    )


def test_a_macro_in_a_cdk_stack_is_reported_not_a_crash(tmp_path: Path) -> None:
    """A stack that adds a macro transform: GuardrailChecks reports GR-IN1 (a warning, so
    synth passes) and lists the rule among its ids, as the scan does."""
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Macro")
    stack.add_transform("CompanyMacro")
    s3.Bucket(
        stack,
        "Data",
        enforce_ssl=True,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )
    checks = GuardrailChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    app.synth()
    assert [(f.rule, f.level) for f in checks.findings] == [("GR-IN1", "warning")]
    assert "CompanyMacro" in checks.findings[0].message
    assert "GR-IN1" in checks.rule_ids
