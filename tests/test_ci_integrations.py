"""The CI integrations run as users run them: the composite action's scan step (its own
shell script, with GitHub's environment), and the pre-commit hook through `pre-commit
try-repo` on a repository of ours (issue 14, item 5)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT

BIN = Path(sys.executable).parent


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra}


def action_step(name: str) -> dict[str, object]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    [step] = [s for s in action["runs"]["steps"] if s.get("name") == name]
    return dict(step)


@pytest.mark.parametrize(("template", "expected"), [("security-groups.yaml", "1"), ("none", "0")])
def test_the_actions_scan_step_writes_sarif_annotates_and_reports_the_exit_code(
    tmp_path: Path, template: str, expected: str
) -> None:
    if template == "none":
        (tmp_path / "ok.template.json").write_text(json.dumps({"Resources": {}}))
        paths = "ok.template.json"
    else:
        shutil.copy(FIXTURES / "cfn" / template, tmp_path / "web.template.yaml")
        paths = "web.template.yaml"
    step = action_step("Scan")
    output = tmp_path / "github_output"
    result = subprocess.run(
        ["bash", "-e", "-c", str(step["run"])],
        cwd=tmp_path,
        env=env(
            GUARDRAILS_PATHS=paths,
            GUARDRAILS_SARIF="reports/guardrails.sarif",
            GUARDRAILS_ARGS="--fail-level error",
            GITHUB_OUTPUT=str(output),
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr  # the upload step still runs
    assert output.read_text().strip() == f"exit-code={expected}"
    sarif = json.loads((tmp_path / "reports" / "guardrails.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    if expected == "1":
        assert result.stdout.count("::error file=web.template.yaml,line=") >= 3
    # The last step fails the job with the scan's own exit code.
    fail = action_step("Fail on findings")
    assert "steps.scan.outputs.exit-code" in str(fail["run"])


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env())


def test_the_pre_commit_hook_fails_a_commit_with_a_world_open_port(tmp_path: Path) -> None:
    repo = tmp_path / "infra"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copy(FIXTURES / "cfn" / "security-groups.yaml", repo / "web.template.yaml")
    (repo / "ok.template.json").write_text(json.dumps({"Resources": {}}))
    (repo / "package.json").write_text("{}")  # not matched by the hook's files
    git(repo, "add", ".")

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(BIN / "pre-commit"),
                "try-repo",
                str(ROOT),
                "guardrails-scan-system",
                "--files",
                *files,
            ],
            cwd=repo,
            env=env(PRE_COMMIT_HOME=str(tmp_path / "cache"), SKIP=""),
            capture_output=True,
            text=True,
            check=False,
        )

    failed = hook("web.template.yaml", "package.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "GR-SG1" in failed.stdout and "web.template.yaml:" in failed.stdout
    passed = hook("ok.template.json", "package.json")
    assert passed.returncode == 0, passed.stdout + passed.stderr
