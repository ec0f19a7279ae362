"""What users install: the built wheel in a fresh venv, used from outside the checkout.

The editable install the other tests use finds every module in the checkout, so a package
left out of the wheel goes unnoticed there. Here the sdist and the wheel are built (the
wheel from the sdist, as ``python -m build`` does), the wheel is installed with its
``emulate`` extra into a new venv in a temporary folder, and every command runs from
another temporary folder with nothing of the checkout on ``sys.path``. Dependencies come
from the package index (pip's cache makes the second run fast); the checkout contributes
only the CDK CLI from ``node_modules`` (a tool, not our sources).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = [pytest.mark.wheel, pytest.mark.xdist_group("wheel")]

CDK = ROOT / "node_modules" / ".bin" / "cdk"

OPEN_SSH = """\
Resources:
  Ssh:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ssh from anywhere
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 0.0.0.0/0
"""

USER_APP = """\
import os
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from guardrails import GuardrailChecks, GuardrailSettings, GuardrailStack

app = cdk.App()
settings = GuardrailSettings(mode="remediate", allowed_public_ports=[443])
GuardrailStack(app, "Guardrails", settings=settings)
if os.environ.get("OPEN_SSH") == "1":
    stack = cdk.Stack(app, "Bastion")
    ec2.CfnSecurityGroup(
        stack,
        "Ssh",
        group_description="ssh from anywhere",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp", from_port=22, to_port=22, cidr_ip="0.0.0.0/0"
            )
        ],
    )
cdk.Validations.of(app).add_plugins(GuardrailChecks(app, settings=settings))
app.synth()
"""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path
    work: Path
    env: dict[str, str]
    build_log: str

    def run(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.work,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    def guardrails(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.bin / "guardrails"), *args)


def _clean_env(venv_bin: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(
        [str(venv_bin), *[p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p]]
    )
    env.update(
        CDK_DISABLE_CLI_TELEMETRY="true",
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_HOME=str(home),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        TMPDIR=str(home / "tmp"),
    )
    env.pop("CDK_VALIDATION", None)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    build_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        env=build_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = dist.glob("*.whl")
    assert len(list(dist.glob("*.tar.gz"))) == 1

    venv_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(venv_dir)
    venv_bin = venv_dir / "bin"
    pip = subprocess.run(
        [
            str(venv_bin / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{wheel}[emulate]",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    work = base / "work"
    (work / "tmp").mkdir(parents=True)
    yield Installed(
        wheel=wheel,
        bin=venv_bin,
        work=work,
        env=_clean_env(venv_bin, work),
        build_log=built.stdout + built.stderr,
    )


def _source_files() -> set[str]:
    """Every module and data file the packages ship, as wheel paths."""
    wanted: set[str] = set()
    for root, prefix in ((ROOT / "guardrails", "guardrails"), (ROOT / "lambda_src", "")):
        for path in root.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or ".egg-info" in str(path):
                continue
            if path.suffix in (".py", ".json", ".rego", ".typed"):
                relative = path.relative_to(root).as_posix()
                wanted.add(f"{prefix}/{relative}" if prefix else relative)
    return wanted


def test_the_wheel_holds_every_module_and_data_file(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    missing = sorted(_source_files() - names)
    assert not missing, f"left out of the wheel: {missing}"
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_the_build_is_free_of_warnings(installed: Installed) -> None:
    warnings = [
        line
        for line in installed.build_log.splitlines()
        if re.search(r"warning|deprecat", line, re.IGNORECASE)
    ]
    assert not warnings, "\n".join(warnings)


def test_metadata_declares_license_and_keeps_cdk_nag_out(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        [meta] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        text = wheel.read(meta).decode()
    assert "License-Expression: Apache-2.0" in text
    assert "Author: cdk-guardrails maintainers" in text
    assert "Project-URL: Homepage," in text
    requires = [line for line in text.splitlines() if line.startswith("Requires-Dist:")]
    runtime = [r for r in requires if "extra ==" not in r]
    assert not [r for r in runtime if "cdk-nag" in r], runtime
    assert any('extra == "emulate"' in r for r in requires)


def test_it_imports_from_the_venv_not_the_checkout(installed: Installed) -> None:
    result = installed.run(
        str(installed.bin / "python"),
        "-c",
        "import guardrails, guardrails_runtime, guardrails.scan;"
        "print(guardrails.__file__); print(guardrails_runtime.__file__)",
    )
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        assert str(ROOT) not in line and "site-packages" in line, line


def test_version(installed: Installed) -> None:
    from guardrails import __version__

    result = installed.guardrails("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"guardrails {__version__}"


def test_scan_fails_on_a_violating_template(installed: Installed) -> None:
    (installed.work / "ssh.yaml").write_text(OPEN_SSH)
    result = installed.guardrails("scan", "--format", "json", "ssh.yaml")
    assert result.returncode == 1, result.stderr
    assert {f["rule"] for f in json.loads(result.stdout)} == {"GR-SG1"}


def test_rules_lists_the_catalog(installed: Installed) -> None:
    from guardrails_runtime.policies.registry import all_rules

    result = installed.guardrails("rules", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == [r.id for r in all_rules()]


def test_replay_emulates_the_bundled_examples(installed: Installed) -> None:
    result = installed.guardrails("replay", "--emulate", "--mode", "remediate", "--examples")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) >= 10
    assert not [line for line in lines if line["decision"] == "error"], lines
    assert "remediated" in {line["decision"] for line in lines}


def _synth(installed: Installed, *, open_ssh: bool) -> subprocess.CompletedProcess[str]:
    app = installed.work / "app"
    app.mkdir(exist_ok=True)
    (app / "app.py").write_text(USER_APP)
    (app / "cdk.json").write_text(json.dumps({"app": f"{installed.bin / 'python'} app.py"}))
    out = app / ("cdk.out.bad" if open_ssh else "cdk.out")
    return subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "-o", str(out)],
        cwd=app,
        env={**installed.env, "OPEN_SSH": "1" if open_ssh else "0"},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_user_app_synthesizes_and_ships_the_runtime(installed: Installed) -> None:
    assert CDK.exists(), "run `npm ci` first (scripts/bootstrap.sh does)"
    before = set((installed.work / "tmp").iterdir())
    result = _synth(installed, open_ssh=False)
    assert result.returncode == 0, result.stderr[-3000:]
    out = installed.work / "app" / "cdk.out"
    template = json.loads((out / "Guardrails.template.json").read_text())
    [fn] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert fn["Properties"]["Environment"]["Variables"]["GUARDRAILS_MODE"] == "remediate"
    asset = out / fn["Metadata"]["aws:asset:path"]
    assert sorted(p.name for p in asset.iterdir()) == [
        "guardrails_runtime",
        "guardrails_runtime.zip",
    ]
    assert (asset / "guardrails_runtime" / "handler.py").is_file()
    with zipfile.ZipFile(asset / "guardrails_runtime.zip") as archive:
        assert "guardrails_runtime/policies/registry.py" in archive.namelist()
    leftovers = {p.name for p in set((installed.work / "tmp").iterdir()) - before}
    assert not {n for n in leftovers if n.startswith("cdk-guardrails-asset")}, leftovers


def test_user_app_synth_fails_on_open_ssh(installed: Installed) -> None:
    result = _synth(installed, open_ssh=True)
    assert result.returncode != 0
    assert "GR-SG1" in result.stdout + result.stderr
    assert "Bastion/Ssh" in result.stdout + result.stderr
