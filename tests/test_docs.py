"""Generated documentation stays in sync with the specs, and the README stays short."""

from __future__ import annotations

import re

from conftest import ROOT

from guardrails.docs import main, stale
from guardrails_runtime.spec import specs


def test_generated_pages_are_in_sync() -> None:
    assert stale(ROOT) == [], "regenerate: python -m guardrails.docs"


def test_check_mode_names_a_stale_page(tmp_path: object, capsys: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    assert main(["--root", str(root)]) == 0
    page = root / "docs" / "policies" / "rds-public-access.md"
    page.write_text(page.read_text().replace("GR-RDS1", "GR-RDS9"))
    assert main(["--check", "--root", str(root)]) == 1
    assert "rds-public-access.md" in capsys.readouterr().err  # type: ignore[attr-defined]


def test_every_policy_has_a_page_that_names_its_rules_and_actions() -> None:
    for spec in specs():
        page = (ROOT / "docs" / "policies" / f"{spec.id}.md").read_text()
        for rule in spec.rules:
            assert f"`{rule.id}`" in page
        for rule in spec.config_rules:
            assert f"`{rule.identifier}`" in page
        if spec.fix is not None:
            for grant in spec.fix.iam:
                for action in grant.actions:
                    assert f"`{action}`" in page


def test_generated_pages_are_stable_under_ruff_format(tmp_path: object) -> None:
    """CI runs `ruff format --check .`, which also formats Python blocks in Markdown."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(str(tmp_path))
    assert main(["--root", str(root)]) == 0
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [
            str(ruff),
            "format",
            "--check",
            "--no-cache",
            "--config",
            str(ROOT / "pyproject.toml"),
            str(root / "docs"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_is_short_and_its_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for target in re.findall(r"\]\(((?:docs/|RULES)[^)#]*)", readme):
        assert (ROOT / target).exists(), target
