"""Issue 13, item 6: the flapping hold was an off switch.

Re-applying a change four times put the *resource* on hold: anything on it afterwards
(all traffic from 0.0.0.0/0, or s3-encryption on a bucket held for its ACL) was only
notified, and nothing looked again when the hold ended. Holds are now keyed by the
violation's fingerprint, and the hold's start schedules a one-time re-check (EventBridge
Scheduler, moto) at its end, which fixes what still violates. A withdrawn exemption
schedules the same re-check. The real handler against moto throughout.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import ACCOUNT, REGION, clients, ingress, new_group, open_and_record, settings

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import hold_id, table_spec
from guardrails_runtime.model import Decision, Mode, Outcome
from guardrails_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.usefixtures("aws")

TABLE = "guardrails-ledger"
GROUP = "guardrails-rechecks"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:guardrails-remediator"
RECHECK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/guardrails-recheck"
PIPELINE = f"arn:aws:sts::{ACCOUNT}:assumed-role/DeployPipeline/run-42"


@pytest.fixture
def wired() -> RuntimeSettings:
    """A ledger table and a schedule group in moto, and settings that use them."""
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec(TABLE))
    boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=GROUP)
    return cfg()


def cfg(mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> RuntimeSettings:
    values: dict[str, Any] = {
        "ledger_table": TABLE,
        "recheck_group": GROUP,
        "recheck_role_arn": RECHECK_ROLE,
        "function_arn": FUNCTION,
        **kwargs,
    }
    return settings(mode, **values)


def ssh(port: int = 2222, protocol: str = "tcp", description: str = "pipeline") -> dict[str, Any]:
    permission: dict[str, Any] = {
        "IpProtocol": protocol,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": description}],
    }
    if protocol != "-1":
        permission |= {"FromPort": port, "ToPort": port}
    return permission


def apply(ec2: Any, gid: str, permission: dict[str, Any], s: RuntimeSettings) -> Outcome:
    event = open_and_record(ec2, gid, [permission], actor=PIPELINE, event_id=str(uuid.uuid4()))
    return process(event, s, clients())


def flap(ec2: Any, gid: str, s: RuntimeSettings) -> list[Outcome]:
    """A pipeline re-applies tcp 2222 from the world until the guardrail holds off."""
    return [apply(ec2, gid, ssh(), s) for _ in range(4)]


def schedules() -> list[dict[str, Any]]:
    scheduler = boto3.client("scheduler", region_name=REGION)
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    return [scheduler.get_schedule(GroupName=GROUP, Name=n) for n in names]


def end_holds(resource: str) -> None:
    """Time passes: every hold on ``resource`` ends (the hold item's times move back)."""
    db = boto3.client("dynamodb", region_name=REGION)
    item = db.get_item(TableName=TABLE, Key={"id": {"S": hold_id(resource, ACCOUNT)}})["Item"]
    past = {"N": f"{time.time():.6f}"}  # after every entry so far, before the next call
    item = {k: (past if k.startswith("holdUntil") else v) for k, v in item.items()}
    db.put_item(TableName=TABLE, Item=item)


def test_a_held_violation_does_not_hold_another_one(ec2: Any, wired: RuntimeSettings) -> None:
    gid = new_group(ec2)
    decisions = [o.decision for o in flap(ec2, gid, wired)]
    assert decisions == [Decision.REMEDIATED] * 3 + [Decision.WOULD_REMEDIATE]
    # All traffic from the whole internet on the held group: another violation, reverted.
    everything = apply(ec2, gid, ssh(protocol="-1"), wired)
    assert everything.decision is Decision.REMEDIATED, everything.reason
    assert [p["IpProtocol"] for p in ingress(ec2, gid)] == ["tcp"]  # the held one only


def on_bucket(example: str, bucket: str = "shared") -> dict[str, Any]:
    """A bundled example event, aimed at ``bucket`` in the test's account and region."""
    event = copy.deepcopy(load_event(example))
    record = event.get("detail", event)
    record.update(awsRegion=REGION, recipientAccountId=ACCOUNT, eventID=str(uuid.uuid4()))
    record["requestParameters"]["bucketName"] = bucket
    return dict(event)


def test_a_bucket_held_for_its_acl_still_gets_its_encryption_back(wired: RuntimeSettings) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="shared", CreateBucketConfiguration={"LocationConstraint": REGION})
    outcomes = []
    for _ in range(4):
        s3.put_bucket_acl(Bucket="shared", ACL="public-read")
        outcomes.append(process(on_bucket("put-bucket-acl-public-read.json"), wired, clients()))
    assert [o.decision for o in outcomes][-1] is Decision.WOULD_REMEDIATE
    assert outcomes[-1].escalation
    s3.delete_bucket_encryption(Bucket="shared")
    encryption = on_bucket("delete-bucket-encryption.json")
    outcome = process(encryption, wired, clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert s3.get_bucket_encryption(Bucket="shared")["ServerSideEncryptionConfiguration"]


def test_the_hold_schedules_a_recheck_that_reverts_what_still_violates(
    ec2: Any, wired: RuntimeSettings
) -> None:
    gid = new_group(ec2)
    started = time.time()
    held = flap(ec2, gid, wired)[-1]
    assert held.escalation is not None
    [schedule] = schedules()
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == FUNCTION
    assert schedule["Target"]["RoleArn"] == RECHECK_ROLE
    # at(hold end + 60 s): the cooldown is 60 min by default.
    at = schedule["ScheduleExpression"]
    when = time.mktime(time.strptime(at[3:-1], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert started + 3600 + 60 <= when <= time.time() + 3600 + 61
    assert f"re-checks {gid} at {at[3:-1]}Z" in held.escalation
    recheck = json.loads(schedule["Target"]["Input"])
    # Delivered while the hold lasts (early, or a replay): still held, nothing changes.
    early = process(recheck, wired, clients())
    assert early.decision is Decision.WOULD_REMEDIATE and "on hold until" in early.reason
    assert len(ingress(ec2, gid)) == 1
    # The hold ends; Scheduler delivers it again (at least once): the change is reverted.
    end_holds(gid)
    late = {"guardrailsRecheck": {**recheck["guardrailsRecheck"], "id": "recheck-2"}}
    outcome = process(late, wired, clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.event_name == "GuardrailsRecheck" and outcome.rule == "GR-SG1"
    assert ingress(ec2, gid) == []
    again = process(late, wired, clients())  # a duplicate delivery changes nothing
    assert again.decision is Decision.IGNORED


def test_without_a_scheduler_the_escalation_says_nothing_will_look_again(ec2: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec(TABLE))
    gid = new_group(ec2)
    bare = settings(Mode.REMEDIATE, ledger_table=TABLE)
    held = flap(ec2, gid, bare)[-1]
    assert held.escalation is not None
    assert "no re-check is scheduled (the guardrail has no scheduler configured)" in (
        held.escalation
    )


def test_a_schedule_that_cannot_be_created_is_named_in_the_escalation(
    ec2: Any, wired: RuntimeSettings
) -> None:
    """Scheduler refuses (a permission taken away): the hold stands and the escalation
    says to look by hand, with the time."""
    from botocore.awsrequest import AWSResponse

    c = clients()

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        parsed = {
            "Error": {"Code": "AccessDeniedException", "Message": "denied"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return AWSResponse("https://scheduler.invalid", 403, {}, None), parsed

    c.get("scheduler", None).meta.events.register_first(
        "before-call.scheduler.CreateSchedule", refuse
    )
    gid = new_group(ec2)
    for _ in range(4):
        event = open_and_record(ec2, gid, [ssh()], actor=PIPELINE, event_id=str(uuid.uuid4()))
        held = process(event, wired, c)
    assert held.escalation is not None
    assert "the re-check could not be scheduled (AccessDeniedException)" in held.escalation
    assert f"look at {gid} after " in held.escalation
    assert schedules() == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("x", "guardrailsRecheck must be an object"),
        ({"resource": "sg-1"}, "guardrailsRecheck.policy must be a non-empty string"),
        ({"policy": "sg-open-ingress", "resource": "a b;c"}, "is not a resource id"),
        ({"policy": "nope", "resource": "sg-1"}, "re-check of 'nope': no such policy"),
        (
            {"policy": "sg-open-ingress", "resource": "sg-1", "region": "xx-nowhere-9"},
            "region 'xx-nowhere-9' is not an AWS region",
        ),
    ],
)
def test_a_forged_or_broken_recheck_is_unsupported(
    wired: RuntimeSettings, body: Any, reason: str
) -> None:
    outcome = process({"guardrailsRecheck": body}, wired, clients())
    assert outcome.decision is Decision.UNSUPPORTED and reason in outcome.reason


def untag_event(gid: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("create-tags-self-exempt.json"))
    event.update(
        awsRegion=REGION, recipientAccountId=ACCOUNT, eventName="DeleteTags", eventID="untag-1"
    )
    event["requestParameters"] = {
        "resourcesSet": {"items": [{"resourceId": gid}]},
        "tagSet": {"items": [{"key": "SecurityExemption"}]},
    }
    return event


def test_a_withdrawn_exemption_schedules_a_recheck_of_what_it_covered(
    ec2: Any, wired: RuntimeSettings
) -> None:
    """SSH was opened while the group was exempt; the exemption goes: nothing had looked at
    the group again, so the open port stayed."""
    gid = new_group(ec2, tags={"SecurityExemption": "true"})
    opened = apply(ec2, gid, ssh(22), wired)
    assert opened.decision is Decision.EXEMPT
    ec2.delete_tags(Resources=[gid], Tags=[{"Key": "SecurityExemption"}])
    withdrawn = process(untag_event(gid), wired, clients())
    assert withdrawn.decision is Decision.NOTIFIED, withdrawn.reason
    assert f"the guardrail re-checks {gid} at " in withdrawn.reason
    assert "for sg-open-ingress" in withdrawn.reason
    [schedule] = schedules()
    recheck = json.loads(schedule["Target"]["Input"])
    assert recheck["guardrailsRecheck"]["policy"] == "sg-open-ingress"
    outcome = process(recheck, wired, clients())
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert ingress(ec2, gid) == []


def test_an_unapproved_exemption_removed_schedules_the_recheck_too(
    ec2: Any, wired: RuntimeSettings
) -> None:
    gid = new_group(ec2, tags={"SecurityExemption": "true"})
    apply(ec2, gid, ssh(22), wired)
    event = copy.deepcopy(load_event("create-tags-self-exempt.json"))
    event.update(awsRegion=REGION, recipientAccountId=ACCOUNT, eventID="tag-1")
    event["requestParameters"] = {
        "resourcesSet": {"items": [{"resourceId": gid}]},
        "tagSet": {"items": [{"key": "SecurityExemption", "value": "true"}]},
    }
    approvers = (f"arn:aws:iam::{ACCOUNT}:role/SecurityApprover",)
    s = cfg(exemption_approvers=approvers)
    removed = process(event, s, clients())
    assert removed.decision is Decision.REMEDIATED, removed.reason
    assert f"re-checks {gid}" in removed.reason
    [schedule] = schedules()
    outcome = process(json.loads(schedule["Target"]["Input"]), s, clients())
    assert outcome.decision is Decision.REMEDIATED and ingress(ec2, gid) == []


def test_the_lambda_entry_point_targets_its_own_function(
    ec2: Any, wired: RuntimeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In Lambda the function's ARN comes from the context: the re-check targets it."""
    from types import SimpleNamespace

    from guardrails_runtime import handler as entry

    monkeypatch.setattr(entry, "_settings", None)
    monkeypatch.setattr(entry, "_clients", clients())
    for name, value in {
        "GUARDRAILS_MODE": "remediate",
        "GUARDRAILS_LEDGER_TABLE": TABLE,
        "GUARDRAILS_RECHECK_GROUP": GROUP,
        "GUARDRAILS_RECHECK_ROLE_ARN": RECHECK_ROLE,
        "GUARDRAILS_FLAP_THRESHOLD": "1",
    }.items():
        monkeypatch.setenv(name, value)
    context = SimpleNamespace(invoked_function_arn=FUNCTION + ":live")
    gid = new_group(ec2)
    for _ in range(2):
        event = open_and_record(ec2, gid, [ssh()], actor=PIPELINE, event_id=str(uuid.uuid4()))
        result = entry.handler(event, context)
    assert result["decision"] == "would-remediate" and result["escalation"]
    [schedule] = schedules()
    assert schedule["Target"]["Arn"] == FUNCTION + ":live"
