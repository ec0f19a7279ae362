"""Policy ``kms-key-deletion``: pure logic over :class:`KmsKey` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.kms_key import PENDING, KmsKey
from guardrails_runtime.model import PolicyOptions, Violation


def evaluate(key: KmsKey, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-KMS1 when a customer managed key is scheduled for deletion."""
    if key.manager == "AWS" or key.state not in PENDING:
        return []
    when = f" on {key.deletion_date}" if key.deletion_date else ""
    return [Violation("GR-KMS1", f"KeyState is {key.state}: it will be deleted{when}", "KeyState")]
