"""Spec of ``s3-public-access``: buckets and the account stay private."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "s3-public-access"

IAM = (
    IamGrant(
        (
            "s3:GetBucketPublicAccessBlock",
            "s3:PutBucketPublicAccessBlock",
            "s3:GetBucketAcl",
            "s3:PutBucketAcl",
            "s3:GetBucketPolicy",
            "s3:GetBucketTagging",
        ),
        "arn:{partition}:s3:::*",
        "read and re-privatise any bucket of this account",
    ),
    IamGrant(
        ("s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"),
        "*",
        "the account-level Block Public Access setting has no resource-level permissions",
    ),
)

SPEC = PolicySpec(
    id=POLICY,
    title="S3 buckets stay private",
    summary="All four Block Public Access flags on (bucket and account), no public ACL or "
    "grant, no bucket-policy Allow to * without a restricting condition.",
    rules=(
        RuleInfo(
            id="GR-S3P1",
            policy=POLICY,
            level="error",
            info="S3 Block Public Access is switched off for the bucket.",
            explanation=(
                "Block Public Access is the backstop that keeps a bucket private even when an ACL "
                "or policy would make it public; with a flag off, one mistake leaks data."
            ),
            fix="Set all four flags (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, "
            "RestrictPublicBuckets) to true, or remove the configuration to keep the AWS default.",
        ),
        RuleInfo(
            id="GR-S3P2",
            policy=POLICY,
            level="error",
            info="S3 bucket ACL grants access to everyone or to every AWS account.",
            explanation="AllUsers is the internet; AuthenticatedUsers is anyone with an AWS "
            "account.",
            fix="Use the private ACL (or BucketOwnerEnforced object ownership) and grant access "
            "with IAM or a bucket policy restricted to known principals.",
        ),
        RuleInfo(
            id="GR-S3P3",
            policy=POLICY,
            level="error",
            info="S3 bucket policy allows principal * without a restricting condition.",
            explanation="An Allow to * with no condition on source or principal is public access.",
            fix="Name the principals, or add a condition such as aws:PrincipalOrgID, "
            "aws:SourceVpce or aws:SourceArn.",
        ),
        RuleInfo(
            id="GR-S3P4",
            policy=POLICY,
            level="warning",
            info="S3 public access could not be evaluated: a value is unresolved.",
            explanation="A flag, ACL, grantee or policy depends on a value known only at deploy "
            "time.",
            fix="Use literal values, or parameters with defaults.",
        ),
    ),
    options=(),
    kinds=("bucket",),
    cloudformation_types=("AWS::S3::Bucket", "AWS::S3::BucketPolicy"),
    terraform_types=(
        "aws_s3_bucket",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_acl",
        "aws_s3_bucket_policy",
    ),
    triggers=(
        Trigger(
            "s3.amazonaws.com",
            (
                "PutBucketPublicAccessBlock",
                "DeleteBucketPublicAccessBlock",
                "PutAccountPublicAccessBlock",
                "DeleteAccountPublicAccessBlock",
                "PutBucketAcl",
                "PutBucketPolicy",
            ),
        ),
    ),
    config_rules=(
        ConfigRule(
            "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
            "s3-public-access",
            "buckets block public access",
            scope=("AWS::S3::Bucket",),
        ),
    ),
    fix=Fix(
        "S3PublicAccessRemediation",
        iam=IAM,
        undo=(
            Undo(
                "s3",
                "put_bucket_acl",
                "Bucket",
                read="get_bucket_acl",
                path="Grants",
                merge="AccessControlPolicy.Grants",
            ),
            Undo(
                "s3",
                "put_public_access_block",
                "Bucket",
                read="get_public_access_block",
                path="PublicAccessBlockConfiguration",
            ),
            Undo(
                "s3",
                "delete_public_access_block",
                "Bucket",
                read="get_public_access_block",
                path="PublicAccessBlockConfiguration",
            ),
            Undo(
                "s3control",
                "put_public_access_block",
                "AccountId",
                read="get_public_access_block",
                path="PublicAccessBlockConfiguration",
            ),
            Undo(
                "s3control",
                "delete_public_access_block",
                "AccountId",
                read="get_public_access_block",
                path="PublicAccessBlockConfiguration",
            ),
        ),
        config_resource_types=("AWS::S3::Bucket",),
        tagged="s3",
    ),
    construct="S3PublicAccessGuardrail",
    construct_doc="""Keeps buckets and the account private (policy ``s3-public-access``).

    * react: Block Public Access switched off (bucket or account) is switched back on;
      public ACL grants are removed, other grants kept; a public bucket policy is
      notified, never rewritten;
    * detect: AWS Config ``S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED``, NON_COMPLIANT
      routed to the same Lambda.
    """,
)
