"""Issue 13, item 11 (the rest): ``guardrails undo`` ran over whatever happened since.

An undo replayed the state the guardrail saw before its fix: a bucket's whole old ACL
(dropping a grant the owner added since), the old encryption over a key chosen since, a
tag set that no longer exists. Now the undo first reads what it would replace: a resource
that is no longer as the fix left it is refused with the difference (``--force`` restores
anyway), and an ACL or tag-set undo puts back only what the fix removed beside the live
value. The real handler, ledger and CLI against moto.
"""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import ACCOUNT, REGION, clients, same_account_ledger, settings

from guardrails.cli import main
from guardrails_runtime.handler import process
from guardrails_runtime.ledger import LedgerError, table_spec
from guardrails_runtime.model import Decision, Mode
from guardrails_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.usefixtures("aws")

TABLE = "ledger"
BUCKET = "reports-eu"
AUDITOR = {
    "Grantee": {"Type": "CanonicalUser", "ID": "a" * 64},
    "Permission": "READ_ACP",
}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def s3() -> Any:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec(TABLE))
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def cfg(**kwargs: Any) -> RuntimeSettings:
    return settings(Mode.REMEDIATE, ledger_table=TABLE, **kwargs)


def book() -> Any:
    return same_account_ledger(cfg(), clients())


def event_on_bucket(example: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event(example))
    record = event.get("detail", event)
    record.update(awsRegion=REGION, recipientAccountId=ACCOUNT)
    record["requestParameters"]["bucketName"] = BUCKET
    return dict(event)


def grants(s3: Any) -> list[dict[str, Any]]:
    return list(s3.get_bucket_acl(Bucket=BUCKET)["Grants"])


def uris(s3: Any) -> list[str]:
    return sorted(
        f"{g['Grantee'].get('URI') or g['Grantee'].get('ID')}:{g['Permission']}" for g in grants(s3)
    )


def public_acl_reverted(s3: Any) -> str:
    s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read")
    outcome = process(event_on_bucket("put-bucket-acl-public-read.json"), cfg(), clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    return str(outcome.entry_id)


def add_grant(s3: Any, grant: dict[str, Any]) -> None:
    acl = s3.get_bucket_acl(Bucket=BUCKET)
    s3.put_bucket_acl(
        Bucket=BUCKET,
        AccessControlPolicy={"Owner": acl["Owner"], "Grants": [*acl["Grants"], grant]},
    )


def test_an_acl_changed_since_the_entry_is_not_overwritten(s3: Any) -> None:
    entry = public_acl_reverted(s3)
    add_grant(s3, AUDITOR)  # the owner grants an auditor after the fix
    with_auditor = uris(s3)
    plan = book().undo(entry, actor="ops", dry_run=True)
    [difference] = plan["changedSince"]
    assert difference.startswith(f"{BUCKET}: Grants is now ") and "the guardrail left" in difference
    with pytest.raises(LedgerError, match=r"changed since entry .*--force restores anyway$"):
        book().undo(entry, actor="ops", dry_run=False)
    assert uris(s3) == with_auditor  # refused: nothing changed
    # Forced: the public grant comes back, and the auditor's grant stays.
    book().undo(entry, actor="ops", dry_run=False, force=True)
    after = uris(s3)
    assert f"{ALL_USERS}:READ" in after and f"{'a' * 64}:READ_ACP" in after
    assert len(after) == len(with_auditor) + 1


def test_an_unchanged_acl_gets_back_only_the_removed_grants(s3: Any) -> None:
    entry = public_acl_reverted(s3)
    kept = grants(s3)
    plan = book().undo(entry, actor="ops", dry_run=True)
    assert plan["changedSince"] == []
    [call] = plan["calls"]
    restored = call["params"]["AccessControlPolicy"]["Grants"]
    assert restored[: len(kept)] == kept  # the live grants, as they are
    assert [g["Grantee"].get("URI") for g in restored[len(kept) :]] == [ALL_USERS]
    book().undo(entry, actor="ops", dry_run=False)
    assert f"{ALL_USERS}:READ" in uris(s3)


def test_encryption_chosen_since_the_entry_is_not_replaced(s3: Any) -> None:
    s3.delete_bucket_encryption(Bucket=BUCKET)
    outcome = process(event_on_bucket("delete-bucket-encryption.json"), cfg(), clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    entry = str(outcome.entry_id)
    assert book().undo(entry, actor="ops", dry_run=True)["changedSince"] == []
    kms = {
        "Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}},
        ]
    }
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=kms)
    with pytest.raises(LedgerError, match="ServerSideEncryptionConfiguration is now"):
        book().undo(entry, actor="ops", dry_run=False)
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_a_trail_stopped_again_since_the_entry_is_reported(s3: Any) -> None:
    trails = boto3.client("cloudtrail", region_name=REGION)
    trails.create_trail(Name="org", S3BucketName=BUCKET)
    trails.start_logging(Name="org")
    trails.stop_logging(Name="org")
    event = copy.deepcopy(load_event("stop-logging.json"))
    record = event.get("detail", event)
    record.update(awsRegion=REGION, recipientAccountId=ACCOUNT)
    record["requestParameters"]["name"] = "org"
    outcome = process(event, cfg(), clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    trails.stop_logging(Name="org")  # stopped again, by someone else
    plan = book().undo(str(outcome.entry_id), actor="ops", dry_run=True)
    assert plan["changedSince"] == ["org: IsLogging is now false, the guardrail left true"]


def test_a_tag_set_undo_adds_the_tag_back_beside_the_live_tags(s3: Any) -> None:
    s3.put_bucket_tagging(
        Bucket=BUCKET,
        Tagging={
            "TagSet": [
                {"Key": "SecurityExemption", "Value": "true"},
                {"Key": "Owner", "Value": "bi"},
            ]
        },
    )
    event = copy.deepcopy(load_event("create-tags-self-exempt.json"))
    event.update(
        awsRegion=REGION,
        recipientAccountId=ACCOUNT,
        eventName="PutBucketTagging",
        eventSource="s3.amazonaws.com",
        eventID="tag-1",
    )
    event["requestParameters"] = {
        "bucketName": BUCKET,
        "Tagging": {
            "TagSet": {
                "Tag": [
                    {"Key": "SecurityExemption", "Value": "true"},
                    {"Key": "Owner", "Value": "bi"},
                ]
            }
        },
    }
    approvers = (f"arn:aws:iam::{ACCOUNT}:role/SecurityApprover",)
    outcome = process(event, cfg(exemption_approvers=approvers), clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    s3.put_bucket_tagging(
        Bucket=BUCKET,
        Tagging={"TagSet": [{"Key": "Owner", "Value": "bi"}, {"Key": "Team", "Value": "data"}]},
    )
    plan = book().undo(str(outcome.entry_id), actor="ops", dry_run=True)
    assert plan["changedSince"] and "TagSet is now" in plan["changedSince"][0]
    book().undo(str(outcome.entry_id), actor="ops", dry_run=False, force=True)
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert tags == {"Owner": "bi", "Team": "data", "SecurityExemption": "true"}


def test_the_cli_shows_the_difference_refuses_and_forces(
    s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = public_acl_reverted(s3)
    add_grant(s3, AUDITOR)
    assert main(["undo", entry, "--table", TABLE, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"changed since the entry: {BUCKET}: Grants is now ")
    assert main(["undo", entry, "--table", TABLE]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--force restores anyway" in err
    assert main(["undo", entry, "--table", TABLE, "--force"]) == 0
    assert f"{ALL_USERS}:READ" in uris(s3)
