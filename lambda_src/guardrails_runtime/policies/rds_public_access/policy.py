"""Policy ``rds-public-access``: pure logic over :class:`DbInstance` facts.

``evaluate`` is called by every plane: the static plane (templates and plans) and the
reactive plane (the live instance, in ``fix``).
"""

from __future__ import annotations

from guardrails_runtime.adapters.rds_db_instance import DbInstance
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(db: DbInstance, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-RDS1 when public now or after a pending change; GR-RDS2 when it could be."""
    if db.public is True:
        return [Violation("GR-RDS1", f"{db.where} is true", db.where)]
    if db.pending_public is True:
        return [
            Violation(
                "GR-RDS1",
                f"{db.where} is scheduled to become true (pending modification)",
                db.where,
            )
        ]
    if isinstance(db.public, Unresolved):
        return [Violation("GR-RDS2", db.public.why, db.public.where or db.where)]
    if db.public is None:
        return [
            Violation(
                "GR-RDS2",
                f"{db.where} is absent: AWS makes the instance public when its VPC has an "
                "internet gateway",
                db.where,
            )
        ]
    return []
