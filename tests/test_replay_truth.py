"""``guardrails replay --emulate`` never lies and never crashes (issue 17).

Records are the bundled examples (ours), changed the ways real records differ: redacted
values, anonymised regions and accounts, trails named by ARN, ACLs given as grants,
configurations left out. Each case states what the emulator must answer; where the
handler settles a record without AWS, the answer must equal the handler's own.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EVENTS

from guardrails.cli import main
from guardrails_runtime.handler import process
from guardrails_runtime.settings import RuntimeSettings

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return data


def record_of(event: dict[str, Any]) -> dict[str, Any]:
    """The CloudTrail record of an example (bare, or inside an EventBridge envelope)."""
    detail: dict[str, Any] = event.get("detail", event)
    return detail


def replay(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, event: dict[str, Any], *args: str
) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    code = main(["replay", "--emulate", "--format", "json", *args, str(path)])
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    return code, line


def changed(name: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    event = copy.deepcopy(example(name))
    change(event)
    return event


def set_request(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda e: record_of(e)["requestParameters"].__setitem__(key, value)


def set_region(value: str) -> Callable[[dict[str, Any]], None]:
    def change(event: dict[str, Any]) -> None:
        record_of(event)["awsRegion"] = value
        if "detail" in event:
            event["region"] = value

    return change


def set_account(value: str) -> Callable[[dict[str, Any]], None]:
    def change(event: dict[str, Any]) -> None:
        record_of(event)["recipientAccountId"] = value
        if "detail" in event:
            event["account"] = value

    return change


UNSUPPORTED = [
    ("redacted bucket", "put-bucket-acl-public-read.json", set_request("bucketName", "...")),
    ("redacted group", "authorize-ssh-world.json", set_request("groupId", "...")),
    ("redacted trail", "stop-logging.json", set_request("name", "...")),
    ("trail name with a space", "stop-logging.json", set_request("name", "org trail")),
    ("trail name of one letter", "stop-logging.json", set_request("name", "t")),
    ("anonymised region", "put-bucket-acl-public-read.json", set_region("us-northeast-1r")),
    ("unknown region (EC2)", "authorize-ssh-world.json", set_region("xx-nowhere-9")),
    ("13-digit account", "put-bucket-acl-public-read.json", set_account("1234567890123")),
    ("anonymised account", "stop-logging.json", set_account("XXXXXXXXXXXX")),
]


@pytest.mark.parametrize(
    ("name", "example_name", "change"), UNSUPPORTED, ids=[c[0] for c in UNSUPPORTED]
)
def test_records_the_emulator_cannot_create_are_unsupported_as_the_handler_says(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    example_name: str,
    change: Callable[[dict[str, Any]], None],
) -> None:
    event = changed(example_name, change)
    code, line = replay(capsys, tmp_path, event)
    assert code == 0, line
    assert line["decision"] == "unsupported", line
    assert line["eventName"] == record_of(event)["eventName"]
    assert "handler raised" not in line["reason"] and "malformed event" in line["reason"]
    # The handler alone (no emulator, no AWS call needed) answers the same.
    alone = process(copy.deepcopy(event), RuntimeSettings(), None)  # type: ignore[arg-type]
    assert (alone.decision.value, alone.reason) == (line["decision"], line["reason"])


def test_an_emulator_set_up_failure_is_not_a_handler_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A PutBucketPublicAccessBlock record without its configuration: the emulator does
    not invent flags; it says what it cannot build, and the event name stays."""

    def drop(event: dict[str, Any]) -> None:
        record = record_of(event)
        record["eventName"] = "PutBucketPublicAccessBlock"
        record["requestParameters"] = {"bucketName": "example-assets-210987654321"}

    code, line = replay(capsys, tmp_path, changed("put-bucket-acl-public-read.json", drop))
    assert code == 0
    assert line["decision"] == "unsupported"
    assert line["eventName"] == "PutBucketPublicAccessBlock"
    assert line["reason"].startswith("the emulator cannot build the state this record implies")
    assert "no PublicAccessBlockConfiguration" in line["reason"]


def test_a_region_in_a_partition_format_that_the_emulator_lacks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``eu-nowhere-1`` fits the format botocore gives the aws partition, so the handler
    would call AWS there; the emulator has no such region: unsupported, with its reason."""
    event = changed("stop-logging.json", set_region("eu-nowhere-1"))
    code, line = replay(capsys, tmp_path, event)
    assert code == 0 and line["decision"] == "unsupported"
    assert line["eventName"] == "StopLogging"
    assert line["reason"].startswith("the emulator cannot build the state this record implies")
    assert "eu-nowhere-1" in line["reason"]


def grants_acl(grant: Any) -> Callable[[dict[str, Any]], None]:
    def change(event: dict[str, Any]) -> None:
        request = record_of(event)["requestParameters"]
        request.pop("x-amz-acl", None)
        request["AccessControlPolicy"] = {
            "AccessControlList": {"Grant": grant},
            "Owner": {"ID": "a" * 64},
            "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
        }

    return change


PUBLIC_GRANT = {
    "Grantee": {
        "xsi:type": "Group",
        "URI": ALL_USERS,
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    },
    "Permission": "READ",
}
OWNER_GRANT = {
    "Grantee": {"xsi:type": "CanonicalUser", "ID": "a" * 64},
    "Permission": "FULL_CONTROL",
}


@pytest.mark.parametrize(
    "grant", [[OWNER_GRANT, PUBLIC_GRANT], PUBLIC_GRANT], ids=["a list", "one object"]
)
def test_explicit_acl_grants_are_applied(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, grant: Any
) -> None:
    event = changed("put-bucket-acl-public-read.json", grants_acl(grant))
    _, line = replay(capsys, tmp_path, event)
    assert line["decision"] == "would-remediate", line
    _, line = replay(capsys, tmp_path, event, "--mode", "remediate")
    assert line["decision"] == "remediated"
    uris = [g["Grantee"].get("URI") for g in line["after"]["Grants"]]
    assert ALL_USERS not in uris


def test_private_acl_grants_replay_compliant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    event = changed("put-bucket-acl-public-read.json", grants_acl([OWNER_GRANT]))
    _, line = replay(capsys, tmp_path, event)
    assert line["decision"] == "compliant", line


def test_a_trail_named_by_arn_is_found(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    arn = "arn:aws:cloudtrail:eu-west-1:210987654321:trail/org-trail"
    event = changed("stop-logging.json", set_request("name", arn))
    _, line = replay(capsys, tmp_path, event)
    assert line["decision"] == "would-remediate" and "no longer exists" not in line["reason"]
    _, line = replay(capsys, tmp_path, event, "--mode", "remediate")
    assert line["decision"] == "remediated" and line["after"]["IsLogging"] is True


def test_update_trail_turning_validation_off_is_notified(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def update(event: dict[str, Any]) -> None:
        record = record_of(event)
        record["eventName"] = "UpdateTrail"
        record["requestParameters"] = {"name": "org-trail", "enableLogFileValidation": False}

    _, line = replay(capsys, tmp_path, changed("stop-logging.json", update), "--mode", "remediate")
    assert line["decision"] == "notified" and "validation" in line["reason"], line
    assert line["after"]["LogFileValidationEnabled"] is False


def test_a_group_referenced_by_the_rule_is_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The recorded rule also lets in another group that the emulator does not have:
    created, so the world-open part is judged (and reverted), the reference kept."""

    def reference(event: dict[str, Any]) -> None:
        permission = record_of(event)["requestParameters"]["ipPermissions"]["items"][0]
        permission["groups"] = {"items": [{"groupId": "sg-0fedcba9876543210"}]}

    event = changed("authorize-ssh-world.json", reference)
    code, line = replay(capsys, tmp_path, event, "--mode", "remediate")
    assert code == 0 and line["decision"] == "remediated", line
    kept = [p for p in line["after"]["IpPermissions"] if p.get("UserIdGroupPairs")]
    assert kept and all(
        r["CidrIp"] != "0.0.0.0/0" for p in line["after"]["IpPermissions"] for r in p["IpRanges"]
    )
