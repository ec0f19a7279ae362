"""`guardrails replay`: the contract's JSON lines, over the bundled examples and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import EVENTS

from guardrails.cli import example_events, main

FIELDS = ["file", "eventName", "policy", "decision", "reason", "changes", "after"]

EXPECTED_REMEDIATE = {
    "authorize-exempt-group.json": "exempt",
    "authorize-failed.json": "ignored",
    "authorize-https-world.json": "compliant",
    "authorize-legacy-cidrip.json": "remediated",
    "authorize-ssh-world.json": "remediated",
    "config-ebs-noncompliant.json": "remediated",
    "config-sg-noncompliant.json": "remediated",
    "create-tags-self-exempt.json": "notified",  # no approvers set: reported, counts
    "delete-bucket-encryption.json": "remediated",
    "disable-ebs-encryption-by-default.json": "remediated",
    "stop-logging.json": "remediated",
    "modify-db-instance-public.json": "remediated",
    "modify-rule-rdp-world.json": "remediated",
    "put-bucket-acl-public-read.json": "remediated",
    "delete-bucket-policy.json": "would-remediate",
    "authorize-default-group-egress.json": "remediated",
    "stop-config-recorder.json": "remediated",
    "set-topic-policy-public.json": "would-remediate",
    "add-permission-public.json": "remediated",
    "disable-guardduty.json": "remediated",
    "run-instances-imdsv1.json": "remediated",
    "modify-redshift-public.json": "remediated",
    "share-document-public.json": "remediated",
    "share-db-snapshot-public.json": "remediated",
    "share-snapshot-public.json": "remediated",
    "schedule-key-deletion.json": "remediated",
}


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["replay", *args])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for line in lines:
        assert list(line) == FIELDS
    return code, lines


def test_examples_are_bundled() -> None:
    assert sorted(p.name for p in example_events()) == sorted(EXPECTED_REMEDIATE)


def test_replay_examples_remediate(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = replay(capsys, "--emulate", "--mode", "remediate", "--examples")
    assert code == 0
    assert {Path(line["file"]).name: line["decision"] for line in lines} == EXPECTED_REMEDIATE
    by_name = {Path(line["file"]).name: line for line in lines}
    ssh = by_name["authorize-ssh-world.json"]
    assert ssh["policy"] == "sg-open-ingress"
    # The VPN entry stays, the world-open ones are gone.
    assert ssh["after"]["IpPermissions"][0]["IpRanges"] == [
        {"Description": "office VPN", "CidrIp": "10.20.0.0/16"}
    ]
    assert ssh["after"]["IpPermissions"][0]["Ipv6Ranges"] == []
    assert sorted(c["detail"]["cidr"] for c in ssh["changes"]) == ["0.0.0.0/0", "::/0"]
    config = by_name["config-sg-noncompliant.json"]
    kept = {
        (p["FromPort"], r["CidrIp"])
        for p in config["after"]["IpPermissions"]
        for r in p["IpRanges"]
    }
    assert kept == {(22, "10.0.0.0/8"), (443, "0.0.0.0/0")}
    assert by_name["disable-ebs-encryption-by-default.json"]["after"] == {
        "EbsEncryptionByDefault": True
    }
    exempt = by_name["authorize-exempt-group.json"]
    assert exempt["after"]["IpPermissions"][0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0"


def test_replay_notify_mode_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, [line] = replay(capsys, "--emulate", str(EVENTS / "authorize-ssh-world.json"))
    assert code == 0
    assert line["decision"] == "would-remediate"
    ranges = {r["CidrIp"] for r in line["after"]["IpPermissions"][0]["IpRanges"]}
    assert ranges == {"0.0.0.0/0", "10.20.0.0/16"}
    assert len(line["changes"]) == 2


def test_replay_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "broken.json").write_text('{"eventName": ')
    (tmp_path / "list.json").write_text("[]")
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    files = [
        str(tmp_path / n)
        for n in ("missing.json", "empty.json", "broken.json", "list.json", "other.json")
    ]
    code, lines = replay(capsys, "--emulate", *files)
    assert code == 2
    reasons = [line["reason"] for line in lines]
    assert reasons[0].startswith(f"{tmp_path / 'missing.json'}: cannot read")
    assert reasons[1] == f"{tmp_path / 'empty.json'}: empty file"
    assert reasons[2].startswith(f"{tmp_path / 'broken.json'}: invalid JSON at line 1")
    assert reasons[3].endswith("expected one JSON object (a CloudTrail record or an event)")
    assert [line["decision"] for line in lines] == ["error"] * 4 + ["unsupported"]
    assert "record.eventName must be a non-empty string" in reasons[4]


def test_replay_needs_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--emulate"]) == 2
    assert "no FILE given" in capsys.readouterr().err


def test_replay_rejects_bad_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUARDRAILS_ALLOWED_PUBLIC_PORTS", "80,https")
    assert main(["replay", "--emulate", "--examples"]) == 2
    assert capsys.readouterr().err.strip() == (
        "guardrails replay: GUARDRAILS_ALLOWED_PUBLIC_PORTS (allowed_public_ports): 'https' "
        "is not a port number (a whole number 0-65535)"
    )


def _variant(template: str, event_name: str, request: dict[str, Any], path: Path) -> str:
    record = json.loads((EVENTS / template).read_text())
    detail = record.get("detail", record)
    detail["eventName"] = event_name
    detail["requestParameters"] = request
    path.write_text(json.dumps(record))
    return str(path)


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Public",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::example-assets-210987654321/*",
        }
    ],
}
FLAGS_OFF = {
    "BlockPublicAcls": "true",
    "IgnorePublicAcls": "false",
    "BlockPublicPolicy": "true",
    "RestrictPublicBuckets": "true",
}


@pytest.mark.parametrize(
    ("template", "event_name", "request_parameters", "decision", "after_key", "after_value"),
    [
        (
            "stop-logging.json",
            "UpdateTrail",
            {"name": "org-trail", "enableLogFileValidation": False},
            "notified",
            "LogFileValidationEnabled",
            False,
        ),
        (
            "stop-logging.json",
            "PutEventSelectors",
            {
                "trailName": "org-trail",
                "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": False}],
            },
            "notified",
            "IsLogging",
            True,
        ),
        ("stop-logging.json", "DeleteTrail", {"name": "org-trail"}, "notified", "Exists", False),
        (
            "put-bucket-acl-public-read.json",
            "PutBucketPolicy",
            {"bucketName": "example-assets-210987654321", "bucketPolicy": POLICY},
            "notified",
            "Bucket",
            "example-assets-210987654321",
        ),
        (
            "put-bucket-acl-public-read.json",
            "PutAccountPublicAccessBlock",
            {"PublicAccessBlockConfiguration": FLAGS_OFF},
            "remediated",
            "PublicAccessBlockConfiguration",
            {k: True for k in FLAGS_OFF},
        ),
        (
            "put-bucket-acl-public-read.json",
            "DeleteAccountPublicAccessBlock",
            {},
            "remediated",
            "PublicAccessBlockConfiguration",
            {k: True for k in FLAGS_OFF},
        ),
        (
            "put-bucket-acl-public-read.json",
            "PutBucketPublicAccessBlock",
            {
                "bucketName": "example-assets-210987654321",
                "PublicAccessBlockConfiguration": FLAGS_OFF,
            },
            "remediated",
            "PublicAccessBlockConfiguration",
            {k: True for k in FLAGS_OFF},
        ),
    ],
)
def test_replay_emulates_every_catalog_event(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    template: str,
    event_name: str,
    request_parameters: dict[str, Any],
    decision: str,
    after_key: str,
    after_value: Any,
) -> None:
    path = _variant(template, event_name, request_parameters, tmp_path / f"{event_name}.json")
    code, [line] = replay(capsys, "--emulate", "--mode", "remediate", path)
    assert code == 0
    assert (line["eventName"], line["decision"]) == (event_name, decision), line["reason"]
    assert line["after"][after_key] == after_value


def test_emulated_replay_needs_no_configured_region(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh machine has no AWS region set: every client (ledger included) takes the
    event's region."""
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    code, lines = replay(
        capsys, "--emulate", "--mode", "remediate", str(EVENTS / "authorize-ssh-world.json")
    )
    assert code == 0 and [line["decision"] for line in lines] == ["remediated"]
