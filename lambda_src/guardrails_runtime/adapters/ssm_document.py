"""Adapter of ``AWS::SSM::Document``: with whom a Systems Manager document is shared.

Facts (:class:`SsmDocument`) from the live API (``DescribeDocumentPermission``'s
``AccountIds``: ``All`` is every AWS account; ``ListTagsForResource``) and the document a
CloudTrail record names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs

PUBLIC = "All"


class SsmDocument(NamedTuple):
    name: str
    public: bool
    accounts: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


def from_api(name: str, account_ids: list[Any], tags: list[Any] | None = None) -> SsmDocument:
    ids = [str(a) for a in account_ids]
    return SsmDocument(
        name=name,
        public=any(a.lower() == PUBLIC.lower() for a in ids),
        accounts=tuple(a for a in ids if a.lower() != PUBLIC.lower()),
        tags=tag_pairs(tags),
    )


def name_from_cloudtrail(request: Mapping[str, Any]) -> str | None:
    value = {str(k).lower(): v for k, v in request.items()}.get("name")
    return value.strip() if isinstance(value, str) and value.strip() else None
