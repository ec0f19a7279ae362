"""s3-encryption's reactive plane against moto's in-memory S3, through real boto3 calls."""

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
BUCKET = "example-data-210987654321"
KMS = {
    "Rules": [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": "alias/data",
            },
            "BucketKeyEnabled": True,
        }
    ]
}
SSE_S3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


@pytest.fixture
def s3() -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


class Counter:
    def __init__(self, client: Any) -> None:
        self.calls: list[str] = []
        client.meta.events.register("before-call", lambda model, **_: self.calls.append(model.name))


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Counter]:
    c = clients()
    counter = Counter(c.get("s3", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def configuration(s3: Any) -> Any:
    """The bucket's default encryption rule (moto adds BucketKeyEnabled: false when unset)."""
    try:
        rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]
    except s3.exceptions.ClientError:
        return None
    for rule in rules["Rules"]:
        if rule.get("BucketKeyEnabled") is False:
            del rule["BucketKeyEnabled"]
    return rules


def put_event(algorithm: str) -> dict[str, Any]:
    event = load_event("delete-bucket-encryption.json")
    event["eventName"] = "PutBucketEncryption"
    event["requestParameters"]["ServerSideEncryptionConfiguration"] = {
        "Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}
    }
    return event


def test_deleted_encryption_is_restored_to_sse_s3(s3: Any) -> None:
    outcome, counter = run(load_event("delete-bucket-encryption.json"))
    assert outcome.decision is Decision.REMEDIATED
    assert counter.calls == ["GetBucketEncryption", "GetBucketTagging", "PutBucketEncryption"]
    assert configuration(s3) == SSE_S3
    assert outcome.changes[0].undo == f"aws s3api delete-bucket-encryption --bucket {BUCKET}"


def test_sse_s3_passes_unless_kms_is_required(s3: Any) -> None:
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration=SSE_S3)
    outcome, counter = run(put_event("AES256"))
    assert outcome.decision is Decision.COMPLIANT and counter.calls == ["GetBucketEncryption"]
    outcome, _ = run(put_event("AES256"), require_kms=True, s3_kms_key="alias/data")
    assert outcome.decision is Decision.REMEDIATED
    assert configuration(s3) == KMS
    before = json.loads(
        outcome.changes[0].undo.split("--server-side-encryption-configuration ")[1].strip("'")
    )
    assert before["Rules"][0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_exempt_bucket_and_dry_run(s3: Any) -> None:
    s3.put_bucket_tagging(
        Bucket=BUCKET,
        Tagging={
            "TagSet": [
                {"Key": "SecurityExemption", "Value": "TRUE"},
                {"Key": "Team", "Value": "data"},
            ]
        },
    )
    outcome, counter = run(load_event("delete-bucket-encryption.json"))
    assert outcome.decision is Decision.EXEMPT and "PutBucketEncryption" not in counter.calls
    s3.delete_bucket_tagging(Bucket=BUCKET)
    outcome, counter = run(load_event("delete-bucket-encryption.json"), Mode.NOTIFY)
    assert (
        outcome.decision is Decision.WOULD_REMEDIATE and "PutBucketEncryption" not in counter.calls
    )
    assert configuration(s3) is None


def test_second_run_is_a_no_op_and_gone_bucket_is_compliant(s3: Any) -> None:
    run(load_event("delete-bucket-encryption.json"))
    outcome, counter = run(load_event("delete-bucket-encryption.json"))
    assert outcome.decision is Decision.COMPLIANT and counter.calls == ["GetBucketEncryption"]
    s3.delete_bucket(Bucket=BUCKET)
    outcome, _ = run(load_event("delete-bucket-encryption.json"))
    assert outcome.decision is Decision.COMPLIANT and "no longer exists" in outcome.reason


def test_access_denied_on_the_write(s3: Any) -> None:
    c = clients()
    client = c.get("s3", REGION)

    def deny(**_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        parsed = {
            "Error": {"Code": "AccessDenied", "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }
        return AWSResponse("https://s3.invalid", 403, {}, None), parsed

    client.meta.events.register_first("before-call.s3.PutBucketEncryption", deny)
    outcome = process(load_event("delete-bucket-encryption.json"), settings(), c)
    assert outcome.decision is Decision.ERROR
    assert "access denied on PutBucketEncryption" in outcome.reason
    assert configuration(s3) is None


def test_malformed_and_config_events(s3: Any) -> None:
    bad = load_event("delete-bucket-encryption.json")
    bad["requestParameters"] = {"Host": "x"}
    outcome, counter = run(bad)
    assert outcome.decision is Decision.UNSUPPORTED and counter.calls == []
    event = load_event("config-sg-noncompliant.json")
    event["detail"].update(
        configRuleName="guardrails-s3-encryption", resourceId=BUCKET, resourceType="AWS::S3::Bucket"
    )
    outcome, _ = run(event, config_rules={"guardrails-s3-encryption": "s3-encryption"})
    assert outcome.decision is Decision.REMEDIATED and configuration(s3) == SSE_S3
