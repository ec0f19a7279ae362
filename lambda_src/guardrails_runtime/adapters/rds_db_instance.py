"""Adapter of ``AWS::RDS::DBInstance``: whether a DB instance is reachable from the internet.

Facts (:class:`DbInstance`) from the four sources:

* CloudFormation ``PubliclyAccessible``: absent means AWS decides from the subnet group's
  VPC (public when it has an internet gateway, and always in a default VPC that has one),
  so an absent flag is kept as ``None``: *could* be public;
* Terraform ``publicly_accessible``: the provider defaults it to false;
* the live API (``DescribeDBInstances``): ``PubliclyAccessible``, and a pending change of
  it (``PendingModifiedValues``) that a later maintenance window would apply;
* CloudTrail: the instance identifier of a create, modify or restore call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.adapters import tag_pairs
from guardrails_runtime.model import Unresolved

# CloudTrail spells request members in lower camel case from the API's names
# (``dBInstanceIdentifier``); restore-to-point-in-time names its new instance "target".
_IDENTIFIER_KEYS = ("dBInstanceIdentifier", "targetDBInstanceIdentifier")


class DbInstance(NamedTuple):
    """What the ``rds-public-access`` policy judges about one DB instance.

    ``public``: True, False, None (not declared: AWS decides) or Unresolved. ``where`` is
    the field that holds it in its source. ``pending_public`` is a change of the flag
    that is scheduled but not yet applied (live API only).
    """

    public: bool | Unresolved | None
    where: str
    pending_public: bool | None = None
    identifier: str | None = None
    status: str | None = None
    arn: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


def from_api(item: Mapping[str, Any]) -> DbInstance:
    """One element of ``DescribeDBInstances``'s ``DBInstances``."""
    pending = item.get("PendingModifiedValues")
    pending_public = pending.get("PubliclyAccessible") if isinstance(pending, Mapping) else None
    raw_tags = item.get("TagList")
    tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
    return DbInstance(
        public=bool(item.get("PubliclyAccessible")),
        where="PubliclyAccessible",
        pending_public=pending_public if isinstance(pending_public, bool) else None,
        identifier=str(item.get("DBInstanceIdentifier") or "") or None,
        status=str(item.get("DBInstanceStatus") or "") or None,
        arn=str(item.get("DBInstanceArn") or "") or None,
        tags=tag_pairs(tags),
    )


def identifier_from_cloudtrail(
    request: Mapping[str, Any], response: Mapping[str, Any]
) -> str | None:
    """The DB instance a create, modify or restore call names (case of keys tolerated)."""
    lowered = {str(k).lower(): v for k, v in request.items()}
    for key in _IDENTIFIER_KEYS:
        value = lowered.get(key.lower())
        if isinstance(value, str) and value.strip():
            return value.strip()
    described = {str(k).lower(): v for k, v in response.items()}
    value = described.get("dbinstanceidentifier")
    return value.strip() if isinstance(value, str) and value.strip() else None
