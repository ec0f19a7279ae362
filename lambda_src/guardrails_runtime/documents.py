"""IAM policy documents as every resource policy holds them (bucket, function, topic
policies): their statements, and whether a statement lets anyone in.

``public_statement`` is the one judgement of "public" the policies share: an ``Allow`` to
principal ``*`` (or with ``NotPrincipal``) without a condition that narrows who may use it
(source ARN/account/VPC/endpoint/IP, principal org/account/ARN...). A ``Deny`` is never
public; a ``Null`` test or a world-open ``aws:SourceIp`` narrows nothing.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from guardrails_runtime.adapters import as_list, mapping
from guardrails_runtime.model import Unresolved

Located = tuple[str, Any]  # (location inside the resource, value or Unresolved)

RESTRICTING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:username",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
        "lambda:eventsourcetoken",
    }
)


def statements(document: Any, where: str) -> list[Located]:
    """``(location, statement | Unresolved)`` of a policy document (object or JSON text).

    Documents here are parsed JSON or YAML, so every object is a ``dict``: the checks in
    this module test for ``dict``, which costs a tenth of an ABC ``Mapping`` check (a
    2,000-resource synth makes tens of thousands)."""
    if isinstance(document, Unresolved):
        return [(where, document)]
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return [(where, Unresolved(where, f"{where} is not JSON"))]
    found = mapping(document).get("Statement")
    if isinstance(found, Unresolved):
        return [(where, found)]
    out: list[Located] = []
    for i, statement in enumerate(as_list(found)):
        at = f"{where}.Statement[{i}]"
        if isinstance(statement, dict):
            problem = _first_unresolved(
                statement, ("Effect", "Principal", "NotPrincipal", "Condition")
            )
            out.append((at, problem or statement))
    return out


def _first_unresolved(value: Mapping[str, Any], keys: tuple[str, ...]) -> Unresolved | None:
    """The first unresolved value that could change whether the statement is public.

    Effect and principals count wherever they hide. In a condition only the structure
    and the source IPs do: a known restricting key narrows the callers whatever its value
    (``aws:SourceAccount: !Ref AWS::AccountId``), but an unknown source IP range may be
    the whole internet."""

    def walk(v: Any) -> Unresolved | None:
        if isinstance(v, Unresolved):
            return v
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else ()
        for item in children:
            if found := walk(item):
                return found
        return None

    for key in keys:
        if key != "Condition":
            if found := walk(value.get(key)):
                return found
            continue
        condition = value.get(key)
        if isinstance(condition, Unresolved):
            return condition
        for pairs in condition.values() if isinstance(condition, dict) else ():
            if isinstance(pairs, Unresolved):
                return pairs
            for name, leaf in pairs.items() if isinstance(pairs, dict) else ():
                if isinstance(name, Unresolved):
                    return name
                if str(name).lower() == "aws:sourceip" and (found := walk(leaf)):
                    return found
    return None


def _is_star(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(_is_star(v) for v in principal.values())
    if isinstance(principal, list):
        return any(_is_star(v) for v in principal)
    return False


def _restricts(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, pairs in condition.items():
        if not isinstance(pairs, dict):
            continue
        for key, value in pairs.items():
            name = str(key).lower()
            if name not in RESTRICTING_KEYS:
                continue
            if str(operator).lower().startswith("null"):
                continue  # a Null test does not say who may call
            if name == "aws:sourceip" and _any_world_open(value):
                continue
            return True
    return False


def _any_world_open(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for v in values:
        try:
            if ipaddress.ip_network(str(v), strict=False).prefixlen == 0:
                return True
        except ValueError:
            continue
    return False


def public_statement(statement: Mapping[str, Any]) -> bool:
    """True for an ``Allow`` to principal ``*`` without a restricting condition."""
    if str(statement.get("Effect", "")).lower() != "allow":
        return False
    if "NotPrincipal" in statement:
        return True  # Allow with NotPrincipal grants everyone but a few
    return _is_star(statement.get("Principal")) and not _restricts(statement.get("Condition"))


def denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    """A ``Deny`` to everyone of every S3 action with ``aws:SecureTransport`` false (``Bool``
    or ``BoolIfExists``), as CDK's ``enforce_ssl`` writes it."""
    if str(statement.get("Effect", "")).lower() != "deny":
        return False
    principal = statement.get("Principal")
    if principal != "*" and not (isinstance(principal, dict) and principal.get("AWS") == "*"):
        return False
    actions = statement.get("Action")
    listed = {str(a).lower() for a in (actions if isinstance(actions, list) else [actions])}
    if not listed & {"s3:*", "*"}:
        return False
    condition = statement.get("Condition")
    for operator in ("Bool", "BoolIfExists"):
        pairs = condition.get(operator) if isinstance(condition, dict) else None
        if isinstance(pairs, dict) and any(
            str(k).lower() == "aws:securetransport" and str(v).lower() == "false"
            for k, v in pairs.items()
        ):
            return True
    return False


def tls_of(policy: tuple[Located, ...]) -> bool | Unresolved:
    """Whether a bucket policy's statements deny requests without TLS: True, False, or
    Unresolved when no statement does but one cannot be read."""
    unknown = None
    for _, statement in policy:
        if isinstance(statement, Unresolved):
            unknown = unknown or statement
        elif isinstance(statement, dict) and denies_insecure_transport(statement):
            return True
    return unknown if unknown is not None else False
