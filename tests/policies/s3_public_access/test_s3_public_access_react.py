"""s3-public-access's reactive plane against moto's in-memory S3 and S3 Control."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, clients, settings

from guardrails_runtime.handler import process
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
BUCKET = "example-assets-210987654321"
ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@pytest.fixture
def s3() -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def event(name: str, **request: Any) -> dict[str, Any]:
    record = load_event("put-bucket-acl-public-read.json")
    record["detail"]["eventName"] = name
    record["detail"]["requestParameters"] = {"bucketName": BUCKET, **request}
    return record


def run(record: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> Any:
    return process(record, settings(mode, **kwargs), clients())


def uris(s3: Any) -> set[str]:
    return {
        g["Grantee"].get("URI", g["Grantee"].get("ID"))
        for g in s3.get_bucket_acl(Bucket=BUCKET)["Grants"]
    }


def test_public_acl_grants_removed_others_kept(s3: Any) -> None:
    owner = s3.get_bucket_acl(Bucket=BUCKET)["Owner"]["ID"]
    s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read")
    outcome = run(load_event("put-bucket-acl-public-read.json"))
    assert outcome.decision is Decision.REMEDIATED
    assert uris(s3) == {owner}
    undo = outcome.changes[0].undo
    before = json.loads(undo.split("--access-control-policy ", 1)[1].strip("'"))
    s3.put_bucket_acl(Bucket=BUCKET, AccessControlPolicy=before)  # the undo restores it
    assert "http://acs.amazonaws.com/groups/global/AllUsers" in uris(s3)


def test_private_acl_is_compliant(s3: Any) -> None:
    outcome = run(load_event("put-bucket-acl-public-read.json"))
    assert outcome.decision is Decision.COMPLIANT


def test_block_public_access_switched_back_on(s3: Any) -> None:
    s3.put_public_access_block(
        Bucket=BUCKET, PublicAccessBlockConfiguration={**ALL_ON, "BlockPublicPolicy": False}
    )
    outcome = run(event("PutBucketPublicAccessBlock"))
    assert outcome.decision is Decision.REMEDIATED and "BlockPublicPolicy" in outcome.reason
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == ALL_ON
    assert "BlockPublicPolicy=false" in outcome.changes[0].undo


def test_deleted_block_public_access(s3: Any) -> None:
    outcome = run(event("DeleteBucketPublicAccessBlock"))
    assert outcome.decision is Decision.REMEDIATED
    assert outcome.changes[0].undo == f"aws s3api delete-public-access-block --bucket {BUCKET}"


def test_exempt_bucket_and_dry_run(s3: Any) -> None:
    s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read")
    s3.put_bucket_tagging(
        Bucket=BUCKET, Tagging={"TagSet": [{"Key": "SecurityExemption", "Value": "true"}]}
    )
    assert run(load_event("put-bucket-acl-public-read.json")).decision is Decision.EXEMPT
    s3.delete_bucket_tagging(Bucket=BUCKET)
    outcome = run(load_event("put-bucket-acl-public-read.json"), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE
    assert "http://acs.amazonaws.com/groups/global/AllUsers" in uris(s3)


def test_public_policy_is_notified_never_changed(s3: Any) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Public",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    outcome = run(event("PutBucketPolicy"))
    assert outcome.decision is Decision.NOTIFIED and "'Public'" in outcome.reason
    assert json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"]) == policy
    policy["Statement"][0]["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-example"}}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    assert run(event("PutBucketPolicy")).decision is Decision.COMPLIANT


def test_account_block_public_access(s3: Any) -> None:
    account = "123456789012"  # moto's own account: its S3 Control refuses any other
    control = boto3.client("s3control", region_name=REGION)
    control.put_public_access_block(
        AccountId=account, PublicAccessBlockConfiguration={**ALL_ON, "IgnorePublicAcls": False}
    )
    record = event("PutAccountPublicAccessBlock")
    record["account"] = record["detail"]["recipientAccountId"] = account
    outcome = run(record, exempt_accounts=frozenset({account}))
    assert outcome.decision is Decision.EXEMPT
    outcome = run(record)
    assert outcome.decision is Decision.REMEDIATED
    flags = control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    assert flags == ALL_ON


def test_gone_bucket_and_config_event(s3: Any) -> None:
    config = load_event("config-sg-noncompliant.json")
    config["detail"].update(
        configRuleName="guardrails-s3-public-access",
        resourceId=BUCKET,
        resourceType="AWS::S3::Bucket",
    )
    outcome = run(config, config_rules={"guardrails-s3-public-access": "s3-public-access"})
    assert outcome.decision is Decision.REMEDIATED
    s3.delete_bucket(Bucket=BUCKET)
    outcome = run(load_event("put-bucket-acl-public-read.json"))
    assert outcome.decision is Decision.COMPLIANT and "no longer exists" in outcome.reason


def test_access_denied_on_the_write(s3: Any) -> None:
    from botocore.awsrequest import AWSResponse

    s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read")
    c = clients()

    def deny(**_: Any) -> Any:
        parsed = {
            "Error": {"Code": "AccessDenied", "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return AWSResponse("https://s3.invalid", 403, {}, None), parsed

    c.get("s3", REGION).meta.events.register_first("before-call.s3.PutBucketAcl", deny)
    outcome = process(load_event("put-bucket-acl-public-read.json"), settings(), c)
    assert outcome.decision is Decision.ERROR and "access denied on PutBucketAcl" in outcome.reason
    assert "http://acs.amazonaws.com/groups/global/AllUsers" in uris(s3)


def test_second_run_is_a_no_op(s3: Any) -> None:
    s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read")
    assert run(load_event("put-bucket-acl-public-read.json")).decision is Decision.REMEDIATED
    assert run(load_event("put-bucket-acl-public-read.json")).decision is Decision.COMPLIANT


def test_undo_calls_put_the_flags_back(s3: Any) -> None:
    """Each Block Public Access change's undo call, made as recorded, restores the state."""
    weakened = {**ALL_ON, "BlockPublicPolicy": False}
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=weakened)
    [change] = run(event("PutBucketPublicAccessBlock")).changes
    assert change.undo_call is not None and change.undo_call.service == "s3"
    getattr(s3, change.undo_call.operation)(**change.undo_call.params)
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == weakened
    s3.delete_public_access_block(Bucket=BUCKET)
    [change] = run(event("DeleteBucketPublicAccessBlock")).changes
    assert change.undo_call is not None
    assert change.undo_call.operation == "delete_public_access_block"
    assert change.undo_call.params == {"Bucket": BUCKET}
    account = "123456789012"
    control = boto3.client("s3control", region_name=REGION)
    before = {**ALL_ON, "IgnorePublicAcls": False}
    control.put_public_access_block(AccountId=account, PublicAccessBlockConfiguration=before)
    record = event("PutAccountPublicAccessBlock")
    record["account"] = record["detail"]["recipientAccountId"] = account
    [change] = run(record).changes
    assert change.undo_call is not None and change.undo_call.service == "s3control"
    getattr(control, change.undo_call.operation)(**change.undo_call.params)
    flags = control.get_public_access_block(AccountId=account)["PublicAccessBlockConfiguration"]
    assert flags == before
