"""Policy ``s3-ssl-only``: pure logic over the policy statements of :class:`Bucket` facts.

A bucket denies plain HTTP when its policy has a ``Deny`` to everyone, on every S3 action,
with ``aws:SecureTransport`` false (``Bool`` or ``BoolIfExists``), as CDK's
``enforce_ssl`` writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters.s3_bucket import Bucket
from guardrails_runtime.model import PolicyOptions, Violation


def _listed(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def denies_http(statement: Mapping[str, Any]) -> bool:
    if str(statement.get("Effect", "")).lower() != "deny":
        return False
    principal = statement.get("Principal")
    if principal != "*" and not (isinstance(principal, Mapping) and principal.get("AWS") == "*"):
        return False
    if not {a.lower() for a in _listed(statement.get("Action"))} & {"s3:*", "*"}:
        return False
    condition = statement.get("Condition")
    for operator in ("Bool", "BoolIfExists"):
        pairs = condition.get(operator) if isinstance(condition, Mapping) else None
        if isinstance(pairs, Mapping) and any(
            str(k).lower() == "aws:securetransport" and str(v).lower() == "false"
            for k, v in pairs.items()
        ):
            return True
    return False


def evaluate(bucket: Bucket, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-S3T1 when no statement denies requests without TLS."""
    if any(isinstance(s, Mapping) and denies_http(s) for _, s in bucket.policy):
        return []
    found = "has no policy" if not bucket.policy else "has a policy without such a statement"
    return [
        Violation(
            "GR-S3T1",
            f"the bucket {found}: nothing denies requests with aws:SecureTransport false",
            "Policy",
        )
    ]
