"""s3-public-access, prevent plane: per rule (Block Public Access, ACL, policy, unknowns)
and per source (CloudFormation, Terraform), compliant / violating / not applicable /
unresolvable / exempt."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prevent import EXEMPT_CFN, EXEMPT_TF, cfn, tf, tf_resource

POLICY = "s3-public-access"
P1, P2, P3 = ("GR-S3P1", "error"), ("GR-S3P2", "error"), ("GR-S3P3", "error")
P4 = ("GR-S3P4", "warning")
P1_EXEMPT = ("GR-S3P1", "warning")
FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def bucket(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::S3::Bucket", "Properties": properties}


def flags(**off: Any) -> dict[str, Any]:
    return {flag: off.get(flag, True) for flag in FLAGS}


def statement(principal: Any = "*", effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        **extra,
    }


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "B"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
        },
    }


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ({"B": bucket()}, set()),  # new buckets get all four flags on
        ({"B": bucket(PublicAccessBlockConfiguration=flags())}, set()),
        ({"B": bucket(PublicAccessBlockConfiguration=flags(BlockPublicAcls=False))}, {P1}),
        ({"B": bucket(PublicAccessBlockConfiguration={"BlockPublicAcls": True})}, {P1}),
        (
            {
                "B": bucket(
                    PublicAccessBlockConfiguration=flags(BlockPublicAcls="false"), Tags=EXEMPT_CFN
                )
            },
            {P1_EXEMPT},
        ),
        ({"B": bucket(PublicAccessBlockConfiguration={"Ref": "NoDefault"})}, {P4}),
        ({"B": bucket(AccessControl="PublicRead")}, {P2}),
        ({"B": bucket(AccessControl="Private")}, set()),
        ({"B": bucket(AccessControl={"Ref": "NoDefault"})}, {P4}),
        ({"B": bucket(), "P": policy(statement())}, {P3}),
        ({"B": bucket(), "P": policy(statement(effect="Deny"))}, set()),
        ({"B": bucket(), "P": policy(statement({"Service": "logging.s3.amazonaws.com"}))}, set()),
        (
            {
                "B": bucket(),
                "P": policy(
                    statement(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
                ),
            },
            set(),
        ),
        ({"B": bucket(), "P": policy(statement({"Ref": "NoDefault"}))}, {P4}),
        ({"V": {"Type": "AWS::EC2::Volume", "Properties": {"Encrypted": True}}}, set()),
    ],
)
def test_cloudformation(resources: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert cfn(POLICY, resources) == expected


def test_cloudformation_bucket_policy_takes_its_buckets_exemption() -> None:
    resources = {"B": bucket(Tags=EXEMPT_CFN), "P": policy(statement())}
    assert cfn(POLICY, resources) == {("GR-S3P3", "warning")}


BUCKET = tf_resource("aws_s3_bucket.b", {"bucket": "site"})


def pab(**values: Any) -> dict[str, Any]:
    attrs = ("block_public_acls", "ignore_public_acls", "block_public_policy")
    defaults = {a: True for a in (*attrs, "restrict_public_buckets")}
    return tf_resource(
        "aws_s3_bucket_public_access_block.b", {"bucket": "site", **defaults, **values}
    )


def acl(canned: str) -> dict[str, Any]:
    return tf_resource("aws_s3_bucket_acl.b", {"bucket": "site", "acl": canned})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ((BUCKET,), set()),
        ((BUCKET, pab()), set()),
        ((BUCKET, pab(restrict_public_buckets=False)), {P1}),
        ((BUCKET, pab(restrict_public_buckets=None)), {P1}),  # Terraform's default: false
        (
            (
                tf_resource("aws_s3_bucket.b", {"bucket": "site", "tags": EXEMPT_TF}),
                pab(block_public_acls=False),
            ),
            {P1_EXEMPT},
        ),
        (
            (BUCKET, tf_resource("aws_s3_bucket_acl.b", {"bucket": "site", "acl": "public-read"})),
            {P2},
        ),
        ((BUCKET, tf_resource("aws_s3_bucket_acl.b", {"bucket": "site", "acl": "private"})), set()),
        (
            (
                BUCKET,
                tf_resource(
                    "aws_s3_bucket_policy.b",
                    {"bucket": "site", "policy": json.dumps({"Statement": [statement()]})},
                ),
            ),
            {P3},
        ),
        (
            (
                BUCKET,
                tf_resource(
                    "aws_s3_bucket_policy.b", {"bucket": "site", "policy": None}, {"policy": True}
                ),
            ),
            {P4},
        ),
        ((tf_resource("aws_ebs_volume.v", {"encrypted": False}),), set()),
    ],
)
def test_terraform(changes: tuple[dict[str, Any], ...], expected: set[tuple[str, str]]) -> None:
    assert tf(POLICY, *changes) == expected
