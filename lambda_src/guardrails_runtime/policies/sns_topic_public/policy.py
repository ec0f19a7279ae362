"""Policy ``sns-topic-public``: pure logic over :class:`Topic` facts."""

from __future__ import annotations

from collections.abc import Mapping

from guardrails_runtime.adapters.sns_topic import Topic
from guardrails_runtime.documents import public_statement
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(topic: Topic, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-SNS1 per statement open to anyone; GR-SNS2 per statement that cannot be read."""
    out: list[Violation] = []
    for where, statement in topic.policy:
        if isinstance(statement, Unresolved):
            out.append(Violation("GR-SNS2", statement.why, statement.where or where))
        elif isinstance(statement, Mapping) and public_statement(statement):
            sid = statement.get("Sid")
            named = f" ({sid})" if sid else ""
            out.append(
                Violation(
                    "GR-SNS1",
                    f"{where}{named} allows principal '*' without a condition that names "
                    "the caller",
                    where,
                )
            )
    return out
