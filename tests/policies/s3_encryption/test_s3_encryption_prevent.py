"""s3-encryption, prevent plane: per rule and per source (CloudFormation, Terraform),
compliant / violating / not applicable / unresolvable / exempt, with and without
``require_kms``."""

from __future__ import annotations

from typing import Any

import pytest
from prevent import EXEMPT_CFN, EXEMPT_TF, cfn, tf, tf_resource

from guardrails_runtime.model import PolicyOptions

POLICY = "s3-encryption"
E1, E1_EXEMPT, E2 = ("GR-S3E1", "error"), ("GR-S3E1", "warning"), ("GR-S3E2", "warning")
KMS = PolicyOptions(require_kms=True)


def bucket(algorithm: Any = None, tags: Any = None) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if algorithm is not None:
        properties["BucketEncryption"] = {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}
            ]
        }
    if tags:
        properties["Tags"] = tags
    return {"Type": "AWS::S3::Bucket", "Properties": properties}


@pytest.mark.parametrize(
    ("resource", "options", "expected"),
    [
        (bucket(), None, set()),  # AWS applies SSE-S3
        (bucket(), KMS, {E1}),
        (bucket("AES256"), None, set()),
        (bucket("AES256"), KMS, {E1}),
        (bucket("aws:kms"), KMS, set()),
        (bucket("aws:kms:dsse"), KMS, set()),
        (bucket("DES"), None, {E1}),
        (bucket({"Ref": "NoDefault"}), None, {E2}),
        (bucket("AES256", EXEMPT_CFN), KMS, {E1_EXEMPT}),
        (
            {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": "b", "PolicyDocument": {"Statement": []}},
            },
            KMS,
            set(),
        ),
    ],
)
def test_cloudformation(
    resource: dict[str, Any], options: PolicyOptions | None, expected: set[tuple[str, str]]
) -> None:
    assert cfn(POLICY, {"B": resource}, options=options) == expected


def encryption(algorithm: Any, unknown: bool = False) -> dict[str, Any]:
    return tf_resource(
        "aws_s3_bucket_server_side_encryption_configuration.b",
        {
            "bucket": "logs",
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": algorithm}]}],
        },
        {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": True}]}]}
        if unknown
        else None,
    )


BUCKET = tf_resource("aws_s3_bucket.b", {"bucket": "logs"})
EXEMPT_BUCKET = tf_resource("aws_s3_bucket.b", {"bucket": "logs", "tags": EXEMPT_TF})


@pytest.mark.parametrize(
    ("changes", "options", "expected"),
    [
        ((BUCKET,), None, set()),
        ((BUCKET,), KMS, {E1}),
        # Encryption in its own resource: the bucket is not judged for it, the resource is.
        ((BUCKET, encryption("aws:kms")), KMS, set()),
        ((BUCKET, encryption("AES256")), KMS, {E1}),
        ((EXEMPT_BUCKET, encryption("AES256")), KMS, {E1_EXEMPT}),
        ((BUCKET, encryption(None, unknown=True)), None, {E2}),
        ((tf_resource("aws_s3_bucket_policy.p", {"bucket": "logs", "policy": "{}"}),), KMS, set()),
    ],
)
def test_terraform(
    changes: tuple[dict[str, Any], ...],
    options: PolicyOptions | None,
    expected: set[tuple[str, str]],
) -> None:
    assert tf(POLICY, *changes, options=options) == expected


@pytest.mark.parametrize(
    ("encryption", "message"),
    [
        (
            {"ServerSideEncryptionConfiguration": [{"SSEAlgorithm": "aws:kms"}]},
            "SSEAlgorithm is misplaced: it is at BucketEncryption.ServerSideEncryption"
            "Configuration[0].SSEAlgorithm, where the encryption is not read; it belongs at "
            "BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault"
            ".SSEAlgorithm",
        ),
        (
            {"SSEAlgorithm": "AES256"},
            "SSEAlgorithm is misplaced: it is at BucketEncryption.SSEAlgorithm",
        ),
        (
            {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {}}]},
            "a rule of the encryption configuration names no SSEAlgorithm in "
            "ServerSideEncryptionByDefault",
        ),
        (
            {"ServerSideEncryptionConfiguration": []},
            "the encryption configuration has no rule",
        ),
    ],
    ids=["beside the default", "outside the configuration", "none in the default", "no rule"],
)
def test_malformed_encryption_says_what_is_wrong(encryption: Any, message: str) -> None:
    from guardrails.scan import cloudformation
    from guardrails.scan.engine import evaluate

    template = {
        "Resources": {
            "B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": encryption}}
        }
    }
    found = [f for f in evaluate(cloudformation.subjects(template, "t.json")) if f.policy == POLICY]
    assert [(f.rule, f.level) for f in found] == [E1]
    assert found[0].message.startswith(message), found[0].message
    assert "'(none)'" not in found[0].message
