"""The S3 guardrails: ``S3EncryptionGuardrail`` and ``S3PublicAccessGuardrail``."""

from __future__ import annotations

from guardrails.guardrail import PolicyGuardrail
from guardrails_runtime.remediations.s3_encryption import S3EncryptionRemediation
from guardrails_runtime.remediations.s3_public_access import S3PublicAccessRemediation


class S3EncryptionGuardrail(PolicyGuardrail):
    """Puts the configured default encryption back on a bucket that lost it.

    * react: successful ``DeleteBucketEncryption`` and ``PutBucketEncryption`` calls
      invoke the remediation Lambda, which re-reads the bucket and restores SSE-S3, or
      SSE-KMS with ``s3_kms_key_id`` when ``require_kms`` is set;
    * detect: AWS Config ``S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED``, NON_COMPLIANT
      routed to the same Lambda.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> stack = Stack(App(), "App")
    >>> guardrail = S3EncryptionGuardrail(stack, "BucketEncryption")
    """

    remediation = S3EncryptionRemediation()


class S3PublicAccessGuardrail(PolicyGuardrail):
    """Keeps buckets and the account private (policy ``s3-public-access``).

    * react: Block Public Access switched off (bucket or account) is switched back on;
      public ACL grants are removed, other grants kept; a public bucket policy is
      notified, never rewritten;
    * detect: AWS Config ``S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED``, NON_COMPLIANT
      routed to the same Lambda.

    Examples
    --------
    >>> from aws_cdk import App, Stack
    >>> stack = Stack(App(), "App")
    >>> guardrail = S3PublicAccessGuardrail(stack, "PrivateBuckets")
    """

    remediation = S3PublicAccessRemediation()
