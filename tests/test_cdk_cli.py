"""The real CDK CLI (npm package aws-cdk, pinned in package.json) synthesizes app.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.cli

CDK = ROOT / "node_modules" / ".bin" / "cdk"


def cdk(*args: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        CDK_DISABLE_CLI_TELEMETRY="true",
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_HOME=str(outdir),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )
    env.pop("CDK_VALIDATION", None)  # the CLI run keeps CDK's own validation on
    return subprocess.run(
        [str(CDK), *args, "--no-notices", "-o", str(outdir / "cdk.out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_cdk_synth_with_the_real_cli(tmp_path: Path) -> None:
    assert CDK.exists(), "run `npm ci` first (scripts/bootstrap.sh does)"
    result = cdk("synth", "--quiet", "-c", "guardrails:mode=remediate", outdir=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    template = json.loads((tmp_path / "cdk.out" / "Guardrails.template.json").read_text())
    [fn] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert fn["Properties"]["Environment"]["Variables"]["GUARDRAILS_MODE"] == "remediate"
    assert any(r["Type"] == "AWS::CDK::Metadata" for r in template["Resources"].values())


def test_cdk_synth_rejects_a_bad_context_value(tmp_path: Path) -> None:
    result = cdk("synth", "--quiet", "-c", "guardrails:mode=fix", outdir=tmp_path)
    assert result.returncode != 0
    assert "guardrails:mode (mode): 'fix' is not one of remediate, notify, off" in result.stderr
