"""Policy ``s3-public-access``: buckets stay private.

* All four Block Public Access flags stay on. Since April 2023 new buckets get all four
  on by default, so a bucket that declares no configuration passes; a flag set to false
  fails.
* No public canned ACL (``public-read``, ``public-read-write``, ``authenticated-read``, or
  CloudFormation's ``PublicRead``...) and no grant to the AllUsers or AuthenticatedUsers
  groups.
* No bucket-policy statement that ``Allow``s principal ``*`` without a condition that
  restricts who can use it (source VPC/endpoint/IP/account/ARN, principal org/account/ARN).
  A ``Deny`` is never public.

``evaluate`` judges the :class:`~guardrails_runtime.adapters.s3_bucket.Bucket` facts of
every plane: a template or plan, and the live bucket (or account setting) a fix read.
"""

from __future__ import annotations

from collections.abc import Mapping

from guardrails_runtime.adapters.s3_bucket import Bucket
from guardrails_runtime.documents import public_statement
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation

POLICY = "s3-public-access"
PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEES = frozenset(
    {
        "http://acs.amazonaws.com/groups/global/AllUsers",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
    }
)


def is_public_acl(acl: str) -> bool:
    """Canned ACLs in any spelling: ``public-read`` (API) or ``PublicRead`` (CloudFormation)."""
    text = acl.strip()
    kebab = "".join("-" + c.lower() if c.isupper() else c for c in text).lstrip("-")
    return text.lower() in PUBLIC_ACLS or kebab in PUBLIC_ACLS


def evaluate(bucket: Bucket, options: PolicyOptions) -> list[Violation]:
    """GR-S3P1 (a Block Public Access flag off), GR-S3P2 (public ACL or grant), GR-S3P3
    (public policy statement), GR-S3P4 (a value that could be any of those)."""
    del options
    out: list[Violation] = []
    pab = bucket.public_access_block
    if isinstance(pab, Unresolved):
        out.append(Violation("GR-S3P4", pab.why, pab.where))
    elif pab is not None:
        # One finding per bucket names every flag that is off (not one finding per flag).
        off: list[tuple[str, str, object]] = []
        for flag, where, value in pab:
            if isinstance(value, Unresolved):
                out.append(Violation("GR-S3P4", value.why, value.where or where))
            elif value is not True:
                off.append((flag, where, value))
        if off:
            shown = ", ".join(f"{f} is {_show(value)}" for f, _, value in off)
            locations = [where for _, where, _ in off]
            out.append(
                Violation(
                    "GR-S3P1",
                    f"{shown}; all four flags must be true",
                    locations[0] if len(locations) == 1 else _common_parent(locations),
                )
            )
    acl_location, acl = bucket.acl or ("AccessControl", None)
    if isinstance(acl, Unresolved):
        out.append(Violation("GR-S3P4", acl.why, acl.where or acl_location))
    elif isinstance(acl, str) and is_public_acl(acl):
        out.append(
            Violation("GR-S3P2", f"canned ACL {acl!r} makes the bucket public", acl_location)
        )
    for location, grantee in bucket.grants:
        if isinstance(grantee, Unresolved):
            out.append(Violation("GR-S3P4", grantee.why, grantee.where or location))
        elif grantee in PUBLIC_GRANTEES:
            group = grantee.rsplit("/", 1)[-1]
            out.append(Violation("GR-S3P2", f"ACL grant to {group}", location))
    for location, statement in bucket.policy:
        if isinstance(statement, Unresolved):
            out.append(Violation("GR-S3P4", statement.why, statement.where or location))
        elif isinstance(statement, Mapping) and public_statement(statement):
            sid = statement.get("Sid")
            label = f"statement {sid!r}" if sid else "a statement"
            out.append(
                Violation(
                    "GR-S3P3",
                    f"{label} allows principal * without a restricting condition",
                    location,
                )
            )
    return out


def _common_parent(locations: list[str]) -> str:
    """``A.x`` and ``A.y`` -> ``A``; no common parent -> the empty location."""
    parts = [location.split(".") for location in locations]
    common: list[str] = []
    for names in zip(*parts, strict=False):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return ".".join(common[: min(len(p) for p in parts) - 1])


def _show(value: object) -> str:
    return "absent" if value is None else repr(value).lower()
