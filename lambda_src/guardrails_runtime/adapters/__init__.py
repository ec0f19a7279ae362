"""Resource adapters: one module per AWS resource type, shared by the policies that judge it.

An adapter turns every source of facts about its type into one typed value (a NamedTuple):
a CloudFormation resource, a Terraform plan resource, the live API (boto3's shape) and a
CloudTrail request. Policies only ever see that value. A new AWS type needs a new adapter
and no reader edits.

Each adapter is two modules, so that the Lambda asset carries only what runs in Lambda:

* ``adapters/<type>.py``: the facts (NamedTuple) and the runtime readers, the live API
  (``from_api``) and CloudTrail requests, under the names the fixes import;
* ``adapters/templates/<type>.py``: the template and plan readers (see
  :mod:`guardrails_runtime.adapters.templates`), left out of the asset.

This module holds the value helpers both halves use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.model import ResourceRef, Unresolved


def known(value: Any, where: str) -> Any:
    """A reference to another resource (``!GetAtt Vpc.CidrBlock``) is unknown until deploy."""
    if isinstance(value, ResourceRef):
        return Unresolved(where, f"comes from {value.describe()}, known only after deployment")
    return value


def as_list(value: Any) -> list[Any]:
    """A value where a list is expected: absent or unknown -> [], one object -> [it]."""
    if value is None or isinstance(value, Unresolved):
        return []
    return value if isinstance(value, list) else [value]


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def flag(value: Any) -> Any:
    """Booleans as templates may spell them: ``"true"``/``"false"`` (any case) -> bool."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def tag_pairs(tags: Any, key: str = "Key", value: str = "Value") -> tuple[tuple[str, str], ...]:
    """``(key, value)`` of an API tag list (``[{"Key": ..., "Value": ...}]``; KMS names the
    fields ``TagKey``/``TagValue``); anything else reads as no tags."""
    return tuple(
        (str(t.get(key)), str(t.get(value)))
        for t in (tags if isinstance(tags, list) else [])
        if isinstance(t, Mapping) and t.get(key) is not None
    )
