"""Ledger, dedup, undo and flapping against moto's DynamoDB/EC2/SNS, through the handler."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import time
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import load_event
from helpers import (
    REGION,
    SSH_MIXED,
    CallCounter,
    authorize_record,
    clients,
    ingress,
    inject_ec2_error,
    new_group,
    open_and_record,
    same_account_ledger,
    settings,
)

from guardrails_runtime.aws import Clients
from guardrails_runtime.handler import process
from guardrails_runtime.ledger import LedgerError, table_spec
from guardrails_runtime.model import Decision, Mode
from guardrails_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.usefixtures("aws")
TABLE = "guardrails-ledger"
SSH_ONLY = [
    {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "pipeline"}],
    }
]
PIPELINE = "arn:aws:sts::123456789012:assumed-role/DeployPipeline/run-42"


@pytest.fixture
def table() -> str:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec(TABLE))
    return TABLE


def cfg(mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> RuntimeSettings:
    return settings(mode, ledger_table=TABLE, **kwargs)


def ledger(c: Clients | None = None, **kwargs: Any) -> Any:
    return same_account_ledger(cfg(**kwargs), c or clients())


PORTS = itertools.count(2200)


def reopen(ec2: Any, gid: str, actor: str = PIPELINE) -> dict[str, Any]:
    """Someone opens a port to the world again: a new CloudTrail event with its own id.

    Each call opens another port, so an entry left in place (dry-run, hold) is no
    duplicate for the next call.
    """
    port = next(PORTS)
    permission = {**SSH_ONLY[0], "FromPort": port, "ToPort": port}
    return open_and_record(ec2, gid, [permission], actor=actor, event_id=str(uuid.uuid4()))


def test_every_decision_is_recorded_with_actor_state_and_undo(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    outcome = process(event, cfg(), clients())
    assert outcome.decision is Decision.REMEDIATED
    assert outcome.entry_id == event["detail"]["eventID"]
    entry = ledger().entry(outcome.entry_id)
    assert entry["decision"] == "remediated" and entry["resource"] == gid
    assert entry["actor"] == "arn:aws:sts::123456789012:assumed-role/Developer/dana"
    assert entry["policy"] == "sg-open-ingress" and entry["final"] is True
    changes = entry["record"]["changes"]
    assert sorted(c["detail"]["cidr"] for c in changes) == ["0.0.0.0/0", "::/0"]
    assert {c["undoCall"]["operation"] for c in changes} == {"authorize_security_group_ingress"}
    described = next(c for c in changes if c["detail"]["cidr"] == "0.0.0.0/0")
    assert described["undoCall"]["params"]["IpPermissions"][0]["IpRanges"] == [
        {"CidrIp": "0.0.0.0/0", "Description": "temporary debug"}
    ]
    assert 399 * 86400 < entry["expiresAt"] - time.time() <= 400 * 86400  # default TTL


def test_ttl_follows_the_setting(ec2: Any, table: str) -> None:
    now = 1_800_000_000.0
    book = same_account_ledger(cfg(ledger_ttl_days=30), clients(), clock=lambda: now)
    gid = new_group(ec2)
    outcome = process(open_and_record(ec2, gid, SSH_ONLY), cfg(mode=Mode.NOTIFY), clients())
    book.record(outcome, Mode.NOTIFY)
    assert book.entry(str(outcome.entry_id))["expiresAt"] == int(now) + 30 * 86400


def test_dry_run_exempt_and_compliant_decisions(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    dry = process(reopen(ec2, gid), cfg(Mode.NOTIFY), clients())
    exempt_gid = new_group(ec2, "tagged", tags={"SecurityExemption": "true"})
    exempt = process(reopen(ec2, exempt_gid), cfg(), clients())
    https = [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]
    fine = process(open_and_record(ec2, gid, https, event_id="fine-1"), cfg(), clients())
    book = ledger()
    assert book.entry(str(dry.entry_id))["decision"] == "would-remediate"
    assert book.entry(str(exempt.entry_id))["decision"] == "exempt"
    assert fine.decision is Decision.COMPLIANT and fine.entry_id is None
    with pytest.raises(LedgerError, match="no ledger entry 'fine-1'"):
        book.entry("fine-1")


def test_redelivered_event_is_handled_once(ec2: Any, table: str, inbox: Any) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    first = process(event, cfg(topic_arn=inbox.topic_arn), clients())
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=SSH_ONLY)  # re-opened
    again = process(event, cfg(topic_arn=inbox.topic_arn), clients())
    assert first.decision is Decision.REMEDIATED
    assert again.decision is Decision.IGNORED and "duplicate delivery" in again.reason
    assert again.entry_id == first.entry_id
    # The duplicate changed nothing (the re-opened entry is for its own event to revert)
    # and sent no second notification.
    ranges = [r for p in ingress(ec2, gid) for r in p.get("IpRanges", [])]
    assert {"CidrIp": "0.0.0.0/0", "Description": "pipeline"} in ranges
    assert [m["decision"] for m in inbox.messages()] == ["remediated"]


def test_retryable_failure_is_recorded_but_does_not_deduplicate_the_retry(
    ec2: Any, table: str
) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    c = clients()
    hits = inject_ec2_error(
        c.get("ec2", REGION), "RevokeSecurityGroupIngress", "InternalError", 500, times=1
    )
    with pytest.raises(ClientError, match="InternalError"):
        process(event, cfg(), c)
    assert hits == [1]
    entry = ledger().entry(event["detail"]["eventID"])
    assert entry["decision"] == "error" and entry["final"] is False
    retried = process(event, cfg(), clients())
    assert retried.decision is Decision.REMEDIATED
    assert ledger().entry(event["detail"]["eventID"])["final"] is True


def test_ledger_failure_never_blocks_the_remediation(ec2: Any, inbox: Any) -> None:
    # No table at all: every ledger read and write fails.
    gid = new_group(ec2)
    outcome = process(
        open_and_record(ec2, gid, SSH_MIXED), cfg(topic_arn=inbox.topic_arn), clients()
    )
    assert outcome.decision is Decision.REMEDIATED
    assert [p["IpRanges"] for p in ingress(ec2, gid)] == [
        [{"CidrIp": "10.20.0.0/16", "Description": "office VPN"}]
    ]
    assert "ResourceNotFoundException" in str(outcome.ledger_error)
    assert "duplicate check" in str(outcome.ledger_error) and "write" in str(outcome.ledger_error)
    [message] = inbox.messages()
    assert message["ledgerError"] == outcome.ledger_error


def test_history_by_resource_and_since(ec2: Any, table: str) -> None:
    times = iter([1_800_000_000.0, 1_800_003_600.0, 1_800_090_000.0])
    book = same_account_ledger(cfg(), clients(), clock=lambda: next(times))
    first, second = new_group(ec2, "a"), new_group(ec2, "b")
    ids = []
    for gid in (first, second, first):
        outcome = process(reopen(ec2, gid), cfg(Mode.NOTIFY), clients())
        ids.append(book.record(outcome, Mode.NOTIFY))
    clock_now = 1_800_090_001.0
    reader = same_account_ledger(cfg(), clients(), clock=lambda: clock_now)
    assert [e["id"] for e in reader.history(resource=first)] == [ids[2], ids[0]]
    assert [e["id"] for e in reader.history(resource=first, since=1_800_050_000.0)] == [ids[2]]
    assert [e["id"] for e in reader.history(since=1_800_000_001.0)] == [ids[2], ids[1]]
    assert [e["id"] for e in reader.history(since=0.0, limit=2)] == [ids[2], ids[1]]


def test_undo_round_trip_restores_exactly_what_was_revoked(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    outcome = process(event, cfg(), clients())
    assert ingress(ec2, gid) != before
    book = ledger()
    plan = book.undo(
        str(outcome.entry_id), actor="arn:aws:iam::123456789012:user/ops", dry_run=True
    )
    assert len(plan["calls"]) == 2 and ingress(ec2, gid) != before  # dry-run: nothing changed
    done = book.undo(
        str(outcome.entry_id), actor="arn:aws:iam::123456789012:user/ops", dry_run=False
    )
    assert ingress(ec2, gid) == before  # descriptions included
    assert done["results"] == ["restored", "restored"]
    entry = book.entry(str(outcome.entry_id))
    assert entry["undoneBy"] == "arn:aws:iam::123456789012:user/ops"
    undo_entry = book.entry(done["undoEntry"])
    assert undo_entry["decision"] == "undone" and undo_entry["undoes"] == outcome.entry_id
    assert [e["decision"] for e in book.history(resource=gid)] == ["undone", "remediated"]
    with pytest.raises(LedgerError, match="already undone by arn:aws:iam::123456789012:user/ops"):
        book.undo(str(outcome.entry_id), actor="someone", dry_run=False)
    # The undo itself is a CloudTrail event: the guardrail holds off instead of reverting it.
    rerun = process(
        open_and_record(ec2, new_group(ec2, "other"), SSH_ONLY, event_id="x"), cfg(), clients()
    )
    assert rerun.decision is Decision.REMEDIATED  # other resources are not held
    undo_event = authorize_record(
        gid, SSH_MIXED, actor="arn:aws:iam::123456789012:user/ops", event_id="undo-call"
    )
    held = process(undo_event, cfg(), clients())
    assert held.decision is Decision.WOULD_REMEDIATE and "undone by" in held.reason


def test_undo_refuses_entries_that_changed_nothing(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    outcome = process(reopen(ec2, gid), cfg(Mode.NOTIFY), clients())
    with pytest.raises(LedgerError, match="'would-remediate': the guardrail changed nothing"):
        ledger().undo(str(outcome.entry_id), actor="ops", dry_run=False)
    with pytest.raises(LedgerError, match="no ledger entry 'nope'"):
        ledger().undo("nope", actor="ops", dry_run=False)


def test_undo_of_bucket_acl_puts_the_public_grant_back(table: str) -> None:
    event = load_event("put-bucket-acl-public-read.json")
    bucket = event["detail"]["requestParameters"]["bucketName"]
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    before = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    outcome = process(event, cfg(), clients())
    assert outcome.decision is Decision.REMEDIATED
    ledger().undo(str(outcome.entry_id), actor="ops", dry_run=False)
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"] == before


def reapply(ec2: Any, gid: str, port: int = 2222, actor: str = PIPELINE) -> dict[str, Any]:
    """A pipeline applies the same change again (a new CloudTrail event each time)."""
    permission = {**SSH_ONLY[0], "FromPort": port, "ToPort": port}
    return open_and_record(ec2, gid, [permission], actor=actor, event_id=str(uuid.uuid4()))


def test_flapping_stops_reverting_and_escalates_once(ec2: Any, table: str, inbox: Any) -> None:
    gid = new_group(ec2)
    decisions, escalations = [], []
    for _ in range(4):
        outcome = process(reapply(ec2, gid), cfg(topic_arn=inbox.topic_arn), clients())
        decisions.append(outcome.decision)
        escalations.append(outcome.escalation)
    # Held: the same change is in place, and applied again (another description) it is
    # the same violation, still held, with no second escalation.
    again = {**SSH_ONLY[0], "FromPort": 2222, "ToPort": 2222}
    again["IpRanges"] = [{"CidrIp": "0.0.0.0/0", "Description": "run 5"}]
    ec2.revoke_security_group_ingress(
        GroupId=gid, IpPermissions=[{**again, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    fifth = process(
        open_and_record(ec2, gid, [again], actor=PIPELINE, event_id="run-5"),
        cfg(topic_arn=inbox.topic_arn),
        clients(),
    )
    decisions.append(fifth.decision)
    escalations.append(fifth.escalation)
    assert decisions == [Decision.REMEDIATED] * 3 + [Decision.WOULD_REMEDIATE] * 2
    assert escalations[:3] == [None] * 3 and escalations[4] is None
    assert escalations[3] is not None and PIPELINE in escalations[3]
    assert "reverted this change 3 times within 60 minutes" in escalations[3]
    # The held change stays in place: the guardrail no longer fights the pipeline.
    assert len(ingress(ec2, gid)) == 1
    raw = inbox.raw()
    flagged = [m for m in raw if "ESCALATION" in m["content"]["title"]]
    assert len(flagged) == 1 and len(raw) == 5
    # Other resources are still reverted.
    other = new_group(ec2, "other")
    assert process(reopen(ec2, other), cfg(), clients()).decision is Decision.REMEDIATED


def test_flapping_threshold_and_window_are_settings(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    tight = cfg(flap_threshold=1)
    first = process(reapply(ec2, gid), tight, clients())
    second = process(reapply(ec2, gid), tight, clients())
    assert first.decision is Decision.REMEDIATED
    assert second.decision is Decision.WOULD_REMEDIATE and second.escalation
    assert "on hold" not in second.reason and "flapping" in second.reason


def test_hold_expires_after_the_cooldown(ec2: Any, table: str) -> None:
    now = [1_800_000_000.0]
    gid = new_group(ec2)
    book = same_account_ledger(
        cfg(flap_threshold=1, flap_cooldown_minutes=10), clients(), clock=lambda: now[0]
    )
    outcome = process(reopen(ec2, gid), cfg(Mode.NOTIFY), clients())
    outcome.decision = Decision.REMEDIATED
    book.record(outcome, Mode.REMEDIATE)
    probe = dataclasses.replace(outcome, escalation=None)
    assert book.hold_reason(probe) is not None and probe.escalation  # the hold starts
    now[0] += 5 * 60
    assert "on hold until" in str(book.hold_reason(probe))
    now[0] += 6 * 60  # past the cooldown; entries before the hold no longer count
    assert book.hold_reason(probe) is None


def test_a_hold_in_one_account_never_holds_another_accounts_resource(ec2: Any, table: str) -> None:
    """A hub's ledger keeps every member account's entries, and resource names such as an
    RDS instance's repeat across accounts: flapping in one account (which an insider there
    can cause at will) must not stop the fix of the same name elsewhere."""
    gid = new_group(ec2)
    book = same_account_ledger(cfg(flap_threshold=1), clients())
    outcome = process(reopen(ec2, gid), cfg(Mode.NOTIFY), clients())
    outcome.decision = Decision.REMEDIATED
    book.record(outcome, Mode.REMEDIATE)
    elsewhere = dataclasses.replace(outcome, account="111122223333", escalation=None)
    assert book.hold_reason(elsewhere) is None  # its one remediation is in another account
    here = dataclasses.replace(outcome, escalation=None)
    assert book.hold_reason(here) is not None  # the hold starts, in this account only
    assert book.hold_reason(elsewhere) is None
    ids = {
        item["id"]["S"]
        for item in boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"]
    }
    assert f"hold#{outcome.account}#{gid}" in ids


def test_metrics_are_embedded_metric_format_lines(
    ec2: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    gid = new_group(ec2)
    process(
        open_and_record(ec2, gid, SSH_MIXED),
        settings(metrics_namespace="Guardrails/Test"),
        clients(),
    )
    [line] = [
        json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"')
    ]
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "Guardrails/Test",
        "Dimensions": [["Policy"]],
        "Metrics": [{"Name": "Remediations", "Unit": "Count"}],
    }
    assert line["Policy"] == "sg-open-ingress" and line["Remediations"] == 1
    assert isinstance(line["_aws"]["Timestamp"], int)


def test_no_metrics_without_a_namespace(ec2: Any, capsys: pytest.CaptureFixture[str]) -> None:
    gid = new_group(ec2)
    process(open_and_record(ec2, gid, SSH_MIXED), settings(), clients())
    assert "_aws" not in capsys.readouterr().out


def test_metric_names_per_decision() -> None:
    from guardrails_runtime.metrics import document
    from guardrails_runtime.model import Outcome

    def names(**kw: Any) -> list[str]:
        outcome = Outcome("E", "p", **kw)
        doc = document(outcome, "ns", now=0)
        return (
            []
            if doc is None
            else [m["Name"] for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
        )

    assert names(decision=Decision.WOULD_REMEDIATE, reason="") == ["DryRunFindings"]
    assert names(decision=Decision.EXEMPT, reason="") == ["Exemptions"]
    assert names(decision=Decision.ERROR, reason="", ledger_error="x") == ["Errors", "LedgerErrors"]
    assert names(decision=Decision.WOULD_REMEDIATE, reason="", escalation="e") == [
        "DryRunFindings",
        "Escalations",
    ]
    assert names(decision=Decision.COMPLIANT, reason="") == []


def test_emf_output_is_one_line_written_through(capsys: pytest.CaptureFixture[str]) -> None:
    from guardrails_runtime.metrics import emit
    from guardrails_runtime.model import Outcome

    sink = io.StringIO()
    emit(Outcome("E", None, Decision.ERROR, "x"), "ns", sink.write)
    [line] = sink.getvalue().splitlines()
    assert json.loads(line)["Policy"] == "none" and sink.getvalue().endswith("\n")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # dedup read, hold read, remediated-entries query, entry write
        (Mode.REMEDIATE, {"GetItem": 2, "Query": 1, "PutItem": 1}),
        # dry-run never consults the hold: dedup read and entry write only
        (Mode.NOTIFY, {"GetItem": 1, "PutItem": 1}),
    ],
)
def test_ledger_calls_per_event(ec2: Any, table: str, mode: Mode, expected: dict[str, int]) -> None:
    c = clients()
    counter = CallCounter(c.get("dynamodb", None))
    outcome = process(reopen(ec2, new_group(ec2)), cfg(mode), c)
    assert outcome.decision in (Decision.REMEDIATED, Decision.WOULD_REMEDIATE)
    assert dict(counter.calls) == expected


def deny(client: Any, operation: str, *, after: int = 0) -> None:
    """Answer ``operation`` on a DynamoDB client with AccessDeniedException (never sent),
    letting the first ``after`` calls through."""
    from botocore.awsrequest import AWSResponse

    seen: list[int] = []

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        seen.append(1)
        if len(seen) <= after:
            return None
        parsed = {
            "Error": {"Code": "AccessDeniedException", "Message": "denied"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.invalid", 400, {}, None), parsed

    client.meta.events.register_first(f"before-call.dynamodb.{operation}", answer)


def test_undo_changes_nothing_when_it_cannot_hold_the_resource(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    outcome = process(open_and_record(ec2, gid, SSH_MIXED), cfg(), clients())
    after_fix = ingress(ec2, gid)
    c = clients()
    deny(c.get("dynamodb", None), "UpdateItem", after=1)  # the claim passes, the hold fails
    with pytest.raises(LedgerError) as caught:
        same_account_ledger(cfg(), c).undo(str(outcome.entry_id), actor="ops", dry_run=False)
    assert str(caught.value) == (
        "nothing was changed: ledger write failed (AccessDeniedException) while holding "
        f"{gid} for the undo"
    )
    assert ingress(ec2, gid) == after_fix


def test_undo_says_what_was_restored_when_recording_it_fails(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    event = open_and_record(ec2, gid, SSH_MIXED)
    before = ingress(ec2, gid)
    outcome = process(event, cfg(), clients())
    c = clients()
    deny(c.get("dynamodb", None), "UpdateItem", after=2)  # the claim and the hold go through
    with pytest.raises(
        LedgerError,
        match=rf"^restored {gid} \(restored, restored\) and held it "
        r"until .+Z, but ledger write failed \(AccessDeniedException\) recording the undo$",
    ):
        same_account_ledger(cfg(), c).undo(str(outcome.entry_id), actor="ops", dry_run=False)
    held = process(
        authorize_record(gid, SSH_MIXED, actor="ops", event_id="restore"), cfg(), clients()
    )
    assert held.decision is Decision.WOULD_REMEDIATE and "undone by ops" in held.reason
    assert ingress(ec2, gid) == before


def test_failed_restore_releases_the_hold(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    outcome = process(open_and_record(ec2, gid, SSH_MIXED), cfg(), clients())
    c = clients()
    hits = inject_ec2_error(
        c.get("ec2", REGION), "AuthorizeSecurityGroupIngress", "UnauthorizedOperation", 403, 5
    )
    with pytest.raises(
        LedgerError, match=r"failed on authorize_security_group_ingress: UnauthorizedOperation$"
    ):
        same_account_ledger(cfg(), c).undo(str(outcome.entry_id), actor="ops", dry_run=False)
    assert hits == [1]
    again = process(reopen(ec2, gid), cfg(), clients())
    assert again.decision is Decision.REMEDIATED  # no hold left behind


def test_undo_refuses_calls_the_policy_does_not_declare(ec2: Any, table: str) -> None:
    """Anyone who can write the table must not make the operator's credentials call
    something else: undo only makes the calls the entry's policy declares in its spec."""
    gid = new_group(ec2)
    outcome = process(open_and_record(ec2, gid, SSH_MIXED), cfg(), clients())
    assert outcome.decision is Decision.REMEDIATED
    db = boto3.client("dynamodb", region_name=REGION)
    item = db.get_item(TableName=TABLE, Key={"id": {"S": str(outcome.entry_id)}})["Item"]
    record = json.loads(item["record"]["S"])
    record["changes"][0]["undoCall"] = {
        "service": "ec2",
        "operation": "delete_security_group",
        "params": {"GroupId": gid},
    }
    item["record"] = {"S": json.dumps(record)}
    db.put_item(TableName=TABLE, Item=item)
    with pytest.raises(LedgerError, match=r"asks for ec2\.delete_security_group, which "):
        ledger().undo(str(outcome.entry_id), actor="ops", dry_run=False)
    assert ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]


def test_undo_refuses_a_declared_call_aimed_at_another_resource(ec2: Any, table: str) -> None:
    """A forged entry that shows one group but re-opens SSH on another is refused: each
    undo call's target parameter must name its change's resource (issue 13, item 11)."""
    gid, other = new_group(ec2), new_group(ec2, name="db")
    outcome = process(open_and_record(ec2, gid, SSH_MIXED), cfg(), clients())
    db = boto3.client("dynamodb", region_name=REGION)
    item = db.get_item(TableName=TABLE, Key={"id": {"S": str(outcome.entry_id)}})["Item"]
    record = json.loads(item["record"]["S"])
    record["changes"][0]["undoCall"]["params"]["GroupId"] = other
    item["record"] = {"S": json.dumps(record)}
    db.put_item(TableName=TABLE, Item=item)
    with pytest.raises(LedgerError, match=r"GroupId='sg-[0-9a-f]+' does not name the entry's"):
        ledger().undo(str(outcome.entry_id), actor="ops", dry_run=True)
    assert ingress(ec2, other) == []  # nothing opened on the other group


def test_two_concurrent_undos_of_one_entry_one_wins(ec2: Any, table: str) -> None:
    """The claim is one conditional write: the second undo stops before changing anything."""
    gid = new_group(ec2)
    outcome = process(open_and_record(ec2, gid, SSH_MIXED), cfg(), clients())
    first, second = ledger(), ledger()
    entry = first.entry(str(outcome.entry_id))
    first._claim(str(entry["id"]), "arn:aws:iam::123456789012:user/ops-a", first.clock())
    before = ingress(ec2, gid)
    with pytest.raises(LedgerError, match=r"already being undone, or was undone, by .*ops-a"):
        second.undo(
            str(outcome.entry_id), actor="arn:aws:iam::123456789012:user/ops-b", dry_run=False
        )
    assert ingress(ec2, gid) == before  # the loser changed nothing


def test_a_failed_undo_gives_its_claim_back(ec2: Any, table: str) -> None:
    gid = new_group(ec2)
    outcome = process(open_and_record(ec2, gid, SSH_MIXED), cfg(), clients())
    c = clients()
    inject_ec2_error(
        c.get("ec2", REGION), "AuthorizeSecurityGroupIngress", "UnauthorizedOperation", 403, 1
    )
    with pytest.raises(LedgerError, match="failed on authorize_security_group_ingress"):
        ledger(c).undo(str(outcome.entry_id), actor="ops", dry_run=False)
    done = ledger().undo(str(outcome.entry_id), actor="ops", dry_run=False)
    assert done["results"]
