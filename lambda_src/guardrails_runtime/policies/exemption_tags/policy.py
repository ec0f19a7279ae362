"""Policy ``exemption-tags``: pure reading of tagging calls and of who may exempt.

A tagging call (:class:`TagChange`) names resources and tags, in each service's own
CloudTrail shape; ``evaluate`` says whether it exempts, un-exempts or does neither, and
whether the principal may exempt.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from guardrails_runtime.events import ApiCall, MalformedEventError, items
from guardrails_runtime.model import Violation
from guardrails_runtime.settings import carries_exemption

REASON_KEY = "SecurityExemptionReason"
EXPIRES_KEY = "SecurityExemptionExpires"
# EC2 resources whose exemption tag a policy reads (the other EC2 policies exempt by
# account): security groups.
EC2_PREFIXES = ("sg-",)


class TagChange(NamedTuple):
    """What one tagging call did: ``removed`` (un-tagging) or set, on which resources."""

    service: str  # ec2, s3, cloudtrail, rds
    resources: tuple[str, ...]
    tags: tuple[tuple[str, str | None], ...]  # (key, value); None: a removal by key only
    removed: bool


def _pairs(
    entries: Iterable[Any], key: str, value: str, where: str
) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get(key), str):
            raise MalformedEventError(f"{where}[{i}].{key} must be a string")
        tag_value = entry.get(value)
        out.append((entry[key], tag_value if isinstance(tag_value, str) else None))
    return tuple(out)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedEventError(f"{where} must be a non-empty string")
    return value.strip()


def tag_change(call: ApiCall) -> TagChange:
    """The tagging call's resources and tags; MalformedEventError when it names none."""
    request, name = call.request, call.event_name
    if name in ("CreateTags", "DeleteTags"):
        where = "requestParameters.resourcesSet.items"
        resources = tuple(
            _text(r.get("resourceId") if isinstance(r, Mapping) else None, f"{where}[{i}]")
            for i, r in enumerate(items(request.get("resourcesSet")))
        )
        tags = _pairs(items(request.get("tagSet")), "key", "value", "requestParameters.tagSet")
        return TagChange("ec2", resources, tags, name == "DeleteTags")
    if name == "PutBucketTagging":
        from guardrails_runtime.adapters.s3_bucket import name_from_cloudtrail

        tagging = request.get("Tagging")
        tag_set = tagging.get("TagSet") if isinstance(tagging, Mapping) else None
        tag = tag_set.get("Tag") if isinstance(tag_set, Mapping) else None
        tags = _pairs(items(tag), "Key", "Value", "requestParameters.Tagging.TagSet.Tag")
        return TagChange("s3", (name_from_cloudtrail(request),), tags, False)
    if name in ("AddTags", "RemoveTags"):
        resource = _text(request.get("resourceId"), "requestParameters.resourceId")
        tags = _pairs(items(request.get("tagsList")), "key", "value", "requestParameters.tagsList")
        return TagChange("cloudtrail", (resource,), tags, name == "RemoveTags")
    if name == "AddTagsToResource":
        resource = _text(request.get("resourceName"), "requestParameters.resourceName")
        tags = _pairs(items(request.get("tags")), "key", "value", "requestParameters.tags")
        return TagChange("rds", (resource,), tags, False)
    if name == "RemoveTagsFromResource":
        resource = _text(request.get("resourceName"), "requestParameters.resourceName")
        keys = items(request.get("tagKeys"))
        tags = tuple((_text(k, "requestParameters.tagKeys[]"), None) for k in keys)
        return TagChange("rds", (resource,), tags, True)
    raise MalformedEventError(f"eventName {name!r} is not a tagging call")


def judged_resources(change: TagChange) -> tuple[str, ...]:
    """The resources whose exemption tag a policy reads (EC2: security groups only)."""
    if change.service == "ec2":
        return tuple(r for r in change.resources if r.startswith(EC2_PREFIXES))
    return change.resources


def touches_exemption(change: TagChange, key: str, value: str) -> bool:
    """True when the call sets the exemption tag, or removes its key."""
    if change.removed:
        return any(k.strip().lower() == key.strip().lower() for k, _ in change.tags)
    return carries_exemption({k: v for k, v in change.tags if v is not None}, key, value)


def detail(change: TagChange) -> str:
    """The reason and end date the same call gave, as text ('' when none)."""
    given = {k.strip().lower(): v for k, v in change.tags if v}
    parts = []
    if given.get(REASON_KEY.lower()):
        parts.append(f"reason: {given[REASON_KEY.lower()]!r}")
    if given.get(EXPIRES_KEY.lower()):
        parts.append(f"expires: {given[EXPIRES_KEY.lower()]}")
    return f" ({'; '.join(parts)})" if parts else ""


def principals(call: ApiCall) -> tuple[str, ...]:
    """The caller's ARN and, for an assumed-role session, its role's ARN."""
    identity = call.user_identity
    found = [identity.get("arn")]
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, Mapping) else None
    if isinstance(issuer, Mapping):
        found.append(issuer.get("arn"))
    return tuple(a for a in found if isinstance(a, str) and a)


def approved(call: ApiCall, approvers: Iterable[str]) -> bool:
    """True when the caller (or its role) matches an approver pattern."""
    return any(
        fnmatch.fnmatchcase(arn, pattern) for arn in principals(call) for pattern in approvers
    )


def evaluate(
    change: TagChange, call: ApiCall, key: str, value: str, approvers: tuple[str, ...]
) -> list[Violation]:
    """GR-EX2 for an exemption set by a non-approver (approvers configured), else GR-EX1
    for any exemption tag set or removed; nothing for a call that does neither."""
    if not judged_resources(change) or not touches_exemption(change, key, value):
        return []
    if not change.removed and approvers and not approved(call, approvers):
        return [
            Violation("GR-EX2", "the exemption tag was set by a principal that is not an approver")
        ]
    what = "removed" if change.removed else "set"
    return [Violation("GR-EX1", f"the exemption tag was {what}{detail(change)}")]
