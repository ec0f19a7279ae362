"""Policy ``ssm-document-public``: pure logic over :class:`SsmDocument` facts."""

from __future__ import annotations

from guardrails_runtime.adapters.ssm_document import SsmDocument
from guardrails_runtime.model import PolicyOptions, Violation


def evaluate(document: SsmDocument, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-SSM1 when the document is shared with every AWS account."""
    if not document.public:
        return []
    return [
        Violation(
            "GR-SSM1",
            "the document's share permission includes 'All': every AWS account can read and run it",
            "AccountIds",
        )
    ]
