"""`guardrails history` and `guardrails undo` against moto, through the real CLI entry point."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

import boto3
import pytest
from conftest import ACCOUNT
from helpers import REGION, SSH_MIXED, clients, ingress, new_group, open_and_record, settings

from guardrails.cli import main, parse_since
from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision

pytestmark = pytest.mark.usefixtures("aws")
TABLE = "ledger"


@pytest.fixture
def remediated(ec2: Any) -> tuple[str, str, list[dict[str, Any]]]:
    """A group whose SSH-to-the-world was reverted; returns (group id, entry id, before)."""
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec(TABLE))
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    outcome = process(event, settings(ledger_table=TABLE), clients())
    assert outcome.decision is Decision.REMEDIATED
    return gid, str(outcome.entry_id), before


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_history_lists_the_entry_as_text_and_json(
    remediated: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    gid, entry_id, _ = remediated
    code, out, err = run(capsys, "history", "--table", TABLE, "--resource", gid)
    assert code == 0 and err.strip() == "1 entry"
    assert re.search(rf"remediated +sg-open-ingress +{gid} ", out) and f"id={entry_id}" in out
    code, out, _ = run(capsys, "history", "--table", TABLE, "--since", "1h", "--format", "json")
    [entry] = json.loads(out)
    assert entry["id"] == entry_id and entry["record"]["decision"] == "remediated"


def test_history_names_the_account_and_filters_by_it(
    remediated: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    gid, entry_id, _ = remediated
    code, out, _ = run(capsys, "history", "--table", TABLE, "--account", ACCOUNT)
    assert code == 0 and f"{gid} in {ACCOUNT}/{REGION} " in out and f"id={entry_id}" in out
    for args in (("--since", "1h"), ("--resource", gid)):
        code, out, err = run(
            capsys, "history", "--table", TABLE, "--account", "111122223333", *args
        )
        assert code == 0 and out == "" and err.strip() == "0 entries"
    with pytest.raises(SystemExit) as stopped:
        main(["history", "--table", TABLE, "--account", "12345"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "'12345' is not an account id (12 digits)" in err
    assert len(err.strip().splitlines()) == 1


def test_undo_dry_run_then_undo_then_refusal(
    remediated: Any, ec2: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    gid, entry_id, before = remediated
    code, out, _ = run(capsys, "undo", entry_id, "--table", TABLE, "--dry-run")
    assert code == 0 and out.count("would call ec2.authorize_security_group_ingress") == 2
    assert ingress(ec2, gid) != before
    code, out, _ = run(capsys, "undo", entry_id, "--table", TABLE)
    assert code == 0 and out.count("-> restored") == 2
    assert "the guardrail only notifies about" in out
    assert ingress(ec2, gid) == before
    code, out, _ = run(capsys, "history", "--table", TABLE, "--resource", gid)
    assert "undone" in out.splitlines()[0] and "(undone by arn:aws:" in out.splitlines()[1]
    code, _, err = run(capsys, "undo", entry_id, "--table", TABLE)
    assert code == 2 and f"entry {entry_id} was already undone by arn:aws:" in err
    assert len(err.strip().splitlines()) == 1


def test_clear_one_line_errors(
    remediated: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUARDRAILS_LEDGER_TABLE", raising=False)
    code, _, err = run(capsys, "history")
    assert code == 2 and "no ledger table: pass --table" in err
    code, _, err = run(capsys, "undo", "missing-id", "--table", TABLE)
    assert (
        code == 2
        and err.strip() == f"guardrails undo: no ledger entry 'missing-id' in table {TABLE}"
    )
    code, _, err = run(capsys, "history", "--table", "no-such-table")
    assert code == 2 and err.strip() == "guardrails history: ResourceNotFoundException on Query"
    code, _, err = run(capsys, "history", "--table", TABLE, "--since", "yesterday")
    assert code == 2 and "'yesterday' is not a duration" in err
    monkeypatch.setenv("GUARDRAILS_LEDGER_TABLE", TABLE)
    assert run(capsys, "history")[0] == 0


def test_since_forms() -> None:
    now = 1_800_000_000.0
    assert parse_since("30m", now) == now - 1800
    assert parse_since("24h", now) == now - 86400
    assert parse_since("7d", now) == now - 7 * 86400
    assert parse_since("2026-11-28", now) == 1_795_824_000.0  # a date is midnight UTC
    assert parse_since("2026-11-28T02:00:00+01:00", now) == 1_795_827_600.0
    with pytest.raises(argparse.ArgumentTypeError):
        parse_since("5w", now)
