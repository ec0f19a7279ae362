"""The ``guardrails`` command line as a user meets it: help, version, and one-line errors.

Each bad input ends with one line on stderr naming the value or path, exit 2, and never a
traceback; a reader that goes away (``guardrails rules | head -1``) ends it quietly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from guardrails import __version__
from guardrails.cli import build_parser, main
from guardrails_runtime.policies.registry import all_rules

GUARDRAILS = Path(sys.executable).parent / "guardrails"
COMMANDS = [["replay"], ["scan"], ["rules"], ["history"], ["undo"], ["rego"], ["rego", "export"]]


def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GUARDRAILS), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
        **kwargs,  # type: ignore[call-overload]
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"guardrails {__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_a_description_argument_help_and_exit_codes(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([*command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "exit status:" in text
    description = text.split("\n\n")[1]
    assert len(description) > 40, text
    parser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if a.dest in ("command", "rego_command"))
        parser = sub.choices[name]  # type: ignore[index]
    for action in parser._actions:
        if action.dest not in ("help", "rego_command"):
            assert action.help, f"{' '.join(command)} {action.dest} has no help"


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("replay", "scan", "rules", "history", "undo", "rego"):
        assert command in text
    assert "exit status:" in text


def test_closed_pipe_ends_quietly() -> None:
    """The reader goes away before anything is written: no BrokenPipeError traceback."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [str(GUARDRAILS), "rules", "--format", "json"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        os.close(writer)
    assert result.returncode == 0
    assert result.stderr == ""


def test_closed_pipe_with_head() -> None:
    result = subprocess.run(
        f"'{GUARDRAILS}' rules | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0
    assert result.stdout.startswith(all_rules()[0].id + " ")
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["rego", "export", "/proc/guardrails-x"], "guardrails rego export: cannot write /proc/"),
        (["scan", "/no/such/template.json"], "/no/such/template.json"),
        (["scan"], "guardrails scan: the following arguments are required: PATH"),
        (["scan", "--allowed-ports", "22,http", "x"], "'http' is not a port number"),
        (["scan", "--format", "xml", "x"], "argument --format: invalid choice: 'xml'"),
        (["history", "--limit", "0"], "'0' is not a whole number >= 1"),
        (["history", "--since", "yesterday", "--table", "t"], "'yesterday' is not a duration"),
        (["bogus"], "guardrails: argument COMMAND: invalid choice: 'bogus'"),
        ([], "guardrails: the following arguments are required: COMMAND"),
        (["replay", "--mode", "fix"], "argument --mode: invalid choice: 'fix'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: list[str], expected: str) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_rego_export_to_a_file_in_the_way(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("rego", "export", str(blocker / "sub"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert str(blocker) in result.stderr
