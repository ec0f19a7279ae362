"""Policy ``s3-ssl-only``: pure logic over the policy statements of :class:`Bucket` facts.

A bucket denies plain HTTP when its policy has a ``Deny`` to everyone, on every S3 action,
with ``aws:SecureTransport`` false (``Bool`` or ``BoolIfExists``), as CDK's
``enforce_ssl`` writes it.
"""

from __future__ import annotations

from guardrails_runtime.adapters.s3_bucket import Bucket
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(bucket: Bucket, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-S3T1 when no policy statement denies requests without TLS; GR-S3T2 when one that
    might cannot be read."""
    if bucket.tls is None or bucket.tls is True:
        return []
    if isinstance(bucket.tls, Unresolved):
        return [Violation("GR-S3T2", bucket.tls.why, bucket.tls.where)]
    return [
        Violation(
            "GR-S3T1",
            "no statement of the bucket's policy (if it has one) denies requests with "
            "aws:SecureTransport false",
            "",  # the bucket itself: what is missing has no field of its own
        )
    ]
