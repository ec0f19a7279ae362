"""Policy ``s3-encryption``: buckets keep a default encryption of SSE-S3, SSE-KMS or DSSE-KMS.

Since January 2023 AWS applies SSE-S3 to every bucket that declares nothing, so a bucket
without an encryption configuration passes unless ``require_kms`` is set; a configuration
that names anything else (or no rule at all) fails. With ``require_kms`` only SSE-KMS and
DSSE-KMS pass.

``evaluate`` judges the :class:`~guardrails_runtime.adapters.s3_bucket.Bucket` facts of
every plane: a template or plan, and the live bucket a fix read.
"""

from __future__ import annotations

from guardrails_runtime.adapters.s3_bucket import Bucket, Misplaced
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation

POLICY = "s3-encryption"
KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
ALGORITHMS = KMS_ALGORITHMS | {"AES256"}


def evaluate_algorithms(algorithms: list[str], require_kms: bool) -> str | None:
    """Why a bucket's default encryption fails, or None when it passes."""
    if not algorithms:
        return "the encryption configuration has no rule"
    for algorithm in algorithms:
        if algorithm not in ALGORITHMS:
            return f"SSEAlgorithm {algorithm!r} is not one of {', '.join(sorted(ALGORITHMS))}"
        if require_kms and algorithm not in KMS_ALGORITHMS:
            return f"SSEAlgorithm {algorithm!r} is SSE-S3 but SSE-KMS is required"
    return None


def evaluate(bucket: Bucket, options: PolicyOptions) -> list[Violation]:
    """GR-S3E1 when the default encryption fails; GR-S3E2 when it could."""
    if not bucket.declares_encryption:
        return []
    encryption = bucket.encryption
    if isinstance(encryption, Unresolved):
        return [Violation("GR-S3E2", encryption.why, encryption.where)]
    if encryption is None:
        if options.require_kms:
            return [
                Violation(
                    "GR-S3E1",
                    "no default encryption is declared (AWS applies "
                    "SSE-S3) but SSE-KMS is required",
                    "BucketEncryption",
                )
            ]
        return []
    out: list[Violation] = []
    resolved: list[str] = []
    for location, algorithm in encryption:
        if isinstance(algorithm, Unresolved):
            out.append(Violation("GR-S3E2", algorithm.why, algorithm.where or location))
        elif isinstance(algorithm, Misplaced):
            misplaced = (
                f"SSEAlgorithm is misplaced: it is at {algorithm.found_at}, where the "
                f"encryption is not read; it belongs at {algorithm.belongs_at}"
            )
            out.append(Violation("GR-S3E1", misplaced, algorithm.found_at))
        elif algorithm is None:
            missing = "a rule of the encryption configuration names no SSEAlgorithm"
            out.append(
                Violation("GR-S3E1", f"{missing} in ServerSideEncryptionByDefault", location)
            )
        else:
            resolved.append(algorithm)
    if resolved or not encryption:  # judge what is known; no rule at all is a failure
        failure = evaluate_algorithms(resolved, options.require_kms)
        if failure:
            location = encryption[0][0] if encryption else "BucketEncryption"
            out.append(Violation("GR-S3E1", failure, location))
    return out
