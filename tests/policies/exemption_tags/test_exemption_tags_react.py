"""exemption-tags, react plane (issue 13, item 3): self-granted exemptions.

Anyone with ec2:CreateTags or s3:PutBucketTagging could exempt their own resource,
silently. Each exemption tag set or removed is now reported with who did it; with
exemption_approvers set, an exemption set by anyone else is removed (remediate) and never
counts. The real handler against moto.
"""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import ACCOUNT, REGION, CallCounter, clients, new_group, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")

DEVELOPER = f"arn:aws:sts::{ACCOUNT}:assumed-role/Developer/dana"
APPROVER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/SecurityApprover"
APPROVER = f"arn:aws:sts::{ACCOUNT}:assumed-role/SecurityApprover/lee"
APPROVERS = (APPROVER_ROLE,)


def tagging_event(name: str, request: dict[str, Any], actor: str = DEVELOPER) -> dict[str, Any]:
    event = copy.deepcopy(load_event("create-tags-self-exempt.json"))
    event.update(awsRegion=REGION, recipientAccountId=ACCOUNT, eventName=name)
    event["eventSource"] = {
        "CreateTags": "ec2.amazonaws.com",
        "DeleteTags": "ec2.amazonaws.com",
        "PutBucketTagging": "s3.amazonaws.com",
    }[name]
    role = actor.split(":assumed-role/")[1].split("/", maxsplit=1)[0]
    event["userIdentity"] = {
        "type": "AssumedRole",
        "arn": actor,
        "accountId": ACCOUNT,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}"}
        },
    }
    event["requestParameters"] = request
    return event


def ec2_tags(gid: str, *tags: tuple[str, str | None]) -> dict[str, Any]:
    items = [{"key": k, **({"value": v} if v is not None else {})} for k, v in tags]
    return {"resourcesSet": {"items": [{"resourceId": gid}]}, "tagSet": {"items": items}}


def group_tags(ec2: Any, gid: str) -> dict[str, str]:
    group = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    return {t["Key"]: t["Value"] for t in group.get("Tags", [])}


def exempted_group(ec2: Any) -> str:
    """A group tagged exempt (True: the common spelling) plus an owner tag, as the
    developer's CreateTags call left it."""
    return new_group(ec2, tags={"SecurityExemption": "True", "Owner": "web"})


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("ec2", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_a_self_granted_exemption_is_reported_with_who_why_and_until_when(ec2: Any) -> None:
    gid = exempted_group(ec2)
    event = tagging_event(
        "CreateTags",
        ec2_tags(
            gid,
            ("SecurityExemption", "True"),
            ("SecurityExemptionReason", "vendor needs SSH"),
            ("SecurityExemptionExpires", "2026-12-01"),
        ),
    )
    outcome, counter = run(event)
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-EX1"
    assert DEVELOPER in outcome.reason and gid in outcome.reason
    assert "vendor needs SSH" in outcome.reason and "2026-12-01" in outcome.reason
    assert "no exemptionApprovers are set" in outcome.reason
    assert counter.writes == []  # without approvers every exemption counts
    assert group_tags(ec2, gid)["SecurityExemption"] == "True"


def test_an_unapproved_exemption_is_removed_and_only_it(ec2: Any) -> None:
    gid = exempted_group(ec2)
    event = tagging_event("CreateTags", ec2_tags(gid, ("SecurityExemption", "True")))
    outcome, counter = run(event, exemption_approvers=(APPROVER_ROLE,))
    assert outcome.decision is Decision.REMEDIATED and outcome.rule == "GR-EX2", outcome.reason
    assert counter.writes == ["DeleteTags"]
    assert group_tags(ec2, gid) == {"Owner": "web"}
    [change] = outcome.changes
    assert change.undo_call is not None and change.undo_call.operation == "create_tags"


def test_an_approvers_exemption_counts(ec2: Any) -> None:
    gid = exempted_group(ec2)
    event = tagging_event(
        "CreateTags", ec2_tags(gid, ("SecurityExemption", "true")), actor=APPROVER
    )
    outcome, counter = run(event, exemption_approvers=(f"arn:aws:iam::{ACCOUNT}:role/Security*",))
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-EX1"
    assert "an exemption approver" in outcome.reason
    assert counter.writes == []
    assert group_tags(ec2, gid)["SecurityExemption"] == "True"


def test_notify_mode_reports_what_it_would_remove(ec2: Any) -> None:
    gid = exempted_group(ec2)
    event = tagging_event("CreateTags", ec2_tags(gid, ("SecurityExemption", "TRUE")))
    outcome, counter = run(event, Mode.NOTIFY, exemption_approvers=(APPROVER_ROLE,))
    assert outcome.decision is Decision.WOULD_REMEDIATE and outcome.rule == "GR-EX2"
    assert counter.writes == []


@pytest.mark.parametrize(
    "tags",
    [
        (("Owner", "web"),),  # ordinary tagging
        (("SecurityExemption", "false"),),  # not the exemption value
    ],
)
def test_other_tagging_is_ignored(ec2: Any, tags: tuple[tuple[str, str], ...]) -> None:
    gid = new_group(ec2)
    outcome, counter = run(
        tagging_event("CreateTags", ec2_tags(gid, *tags)), exemption_approvers=(APPROVER_ROLE,)
    )
    assert outcome.decision is Decision.IGNORED and counter.total == 0


def test_tagging_an_instance_is_not_judged(ec2: Any) -> None:
    event = tagging_event(
        "CreateTags", ec2_tags("i-0123456789abcdef0", ("SecurityExemption", "true"))
    )
    outcome, counter = run(event, exemption_approvers=(APPROVER_ROLE,))
    assert outcome.decision is Decision.IGNORED and counter.total == 0


def test_withdrawing_an_exemption_is_reported(ec2: Any) -> None:
    gid = new_group(ec2)
    outcome, _ = run(tagging_event("DeleteTags", ec2_tags(gid, ("securityexemption", None))))
    assert outcome.decision is Decision.NOTIFIED and outcome.rule == "GR-EX1"
    assert "removed" in outcome.reason


def test_an_unapproved_bucket_exemption_is_removed_keeping_the_other_tags() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="team-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    tags = [{"Key": "SecurityExemption", "Value": "true"}, {"Key": "CostCenter", "Value": "42"}]
    s3.put_bucket_tagging(Bucket="team-logs", Tagging={"TagSet": tags})
    request = {
        "bucketName": "team-logs",
        "Tagging": {
            "TagSet": {
                "Tag": [
                    {"Key": "SecurityExemption", "Value": "true"},
                    {"Key": "CostCenter", "Value": "42"},
                ]
            }
        },
    }
    outcome, _ = run(
        tagging_event("PutBucketTagging", request), exemption_approvers=(APPROVER_ROLE,)
    )
    assert outcome.decision is Decision.REMEDIATED and outcome.rule == "GR-EX2"
    assert s3.get_bucket_tagging(Bucket="team-logs")["TagSet"] == [
        {"Key": "CostCenter", "Value": "42"}
    ]
    # The undo puts the whole tag set back (PutBucketTagging replaces them all).
    [change] = outcome.changes
    assert change.undo_call is not None
    assert change.undo_call.params["Tagging"]["TagSet"] == tags


def test_a_single_tag_object_in_the_record_is_read() -> None:
    """CloudTrail writes one S3 tag as an object, several as a list."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="one-tag", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(
        Bucket="one-tag", Tagging={"TagSet": [{"Key": "SecurityExemption", "Value": "true"}]}
    )
    request = {
        "bucketName": "one-tag",
        "Tagging": {"TagSet": {"Tag": {"Key": "SecurityExemption", "Value": "true"}}},
    }
    outcome, _ = run(
        tagging_event("PutBucketTagging", request), exemption_approvers=(APPROVER_ROLE,)
    )
    assert outcome.decision is Decision.REMEDIATED
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_bucket_tagging(Bucket="one-tag")


def test_malformed_tagging_records_are_unsupported() -> None:
    request = {
        "resourcesSet": {"items": [{"resourceId": "sg-1"}]},
        "tagSet": {"items": [{"value": "x"}]},
    }
    outcome, _ = run(tagging_event("CreateTags", request))
    assert outcome.decision is Decision.UNSUPPORTED
