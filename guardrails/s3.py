"""``S3EncryptionGuardrail``: restore a bucket's default encryption (policy ``s3-encryption``)."""

from __future__ import annotations

from guardrails.guardrail import PolicyGuardrail
from guardrails_runtime.remediations.s3_encryption import S3EncryptionRemediation


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
