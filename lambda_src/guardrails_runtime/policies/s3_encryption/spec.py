"""Spec of ``s3-encryption``: buckets keep default encryption."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "s3-encryption"

IAM = (
    IamGrant(
        (
            "s3:GetEncryptionConfiguration",
            "s3:PutEncryptionConfiguration",
            "s3:GetBucketTagging",
        ),
        "arn:{partition}:s3:::*",
        "read and restore the default encryption of any bucket of this account",
    ),
)

SPEC = PolicySpec(
    id=POLICY,
    title="S3 buckets keep default encryption",
    summary="Buckets have default encryption (SSE-S3, SSE-KMS or DSSE-KMS; with require_kms "
    "only KMS), and a deleted or downgraded configuration is restored.",
    rules=(
        RuleInfo(
            id="GR-S3E1",
            policy=POLICY,
            level="error",
            info="S3 bucket default encryption is missing, invalid, or weaker than required.",
            explanation=(
                "Default encryption protects every object written without its own encryption "
                "header; with require_kms, SSE-KMS adds key policies and CloudTrail records of use."
            ),
            fix=(
                "Declare a server-side encryption rule with SSEAlgorithm aws:kms (with a key and "
                "bucket key) or, where KMS is not required, AES256."
            ),
        ),
        RuleInfo(
            id="GR-S3E2",
            policy=POLICY,
            level="warning",
            info="S3 bucket encryption could not be evaluated: a value is unresolved.",
            explanation="The encryption settings depend on a value known only at deploy time.",
            fix="Use a literal algorithm, or a parameter with a default.",
        ),
    ),
    options=("require_kms", "s3_kms_key_id"),
    kinds=("bucket",),
    cloudformation_types=("AWS::S3::Bucket",),
    terraform_types=("aws_s3_bucket", "aws_s3_bucket_server_side_encryption_configuration"),
    triggers=(Trigger("s3.amazonaws.com", ("DeleteBucketEncryption", "PutBucketEncryption")),),
    config_rules=(
        ConfigRule(
            "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
            "s3-encryption",
            "buckets have default encryption",
            scope=("AWS::S3::Bucket",),
        ),
    ),
    fix=Fix(
        "S3EncryptionRemediation",
        iam=IAM,
        undo=(
            Undo(
                "s3",
                "put_bucket_encryption",
                "Bucket",
                read="get_bucket_encryption",
                path="ServerSideEncryptionConfiguration",
            ),
            Undo(
                "s3",
                "delete_bucket_encryption",
                "Bucket",
                read="get_bucket_encryption",
                path="ServerSideEncryptionConfiguration",
            ),
        ),
        config_resource_types=("AWS::S3::Bucket",),
        tagged="s3",
    ),
    construct="S3EncryptionGuardrail",
    construct_doc="""Puts the configured default encryption back on a bucket that lost it.

    * react: successful ``DeleteBucketEncryption`` and ``PutBucketEncryption`` calls
      invoke the remediation Lambda, which re-reads the bucket and restores SSE-S3, or
      SSE-KMS with ``s3_kms_key_id`` when ``require_kms`` is set;
    * detect: AWS Config ``S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED``, NON_COMPLIANT
      routed to the same Lambda.
    """,
)
