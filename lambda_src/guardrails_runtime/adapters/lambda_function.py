"""Adapter of ``AWS::Lambda::Function``: who may invoke a function (its resource policy) and
whether its function URL asks for authentication.

Facts (:class:`FunctionAccess`) from templates and plans (one permission or one function
URL per resource; see the static half) and from the live API (``GetPolicy``'s statements,
``GetFunctionUrlConfig``'s ``AuthType``, ``GetFunction``'s ``Tags``); the function a
CloudTrail record names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guardrails_runtime.documents import Located, statements
from guardrails_runtime.model import Unresolved

URL_ACTION = "lambda:invokefunctionurl"
VIA_URL = "lambda:invokedviafunctionurl"


class FunctionAccess(NamedTuple):
    """``grants``: ``(location, statement | Unresolved)``; ``url``: ``(location, AuthType |
    Unresolved)`` of a function URL, or None."""

    grants: tuple[Located, ...] = ()
    url: tuple[str, str | Unresolved] | None = None
    function: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


def url_only(statement: Mapping[str, Any]) -> bool:
    """A statement that lets callers use the function URL only (its ``AuthType`` decides
    who: judged as the URL, not as a grant): ``lambda:InvokeFunctionUrl`` alone, or an
    invoke allowed only through the URL (condition ``lambda:InvokedViaFunctionUrl``)."""
    actions = statement.get("Action")
    listed = actions if isinstance(actions, list) else [actions]
    if listed and all(str(a).lower() == URL_ACTION for a in listed):
        return True
    condition = statement.get("Condition")
    return isinstance(condition, Mapping) and any(
        str(key).lower() == VIA_URL and str(value).lower() == "true"
        for pairs in condition.values()
        if isinstance(pairs, Mapping)
        for key, value in pairs.items()
    )


def from_api(
    function: str,
    policy: str | None,
    url_auth: str | None,
    tags: Mapping[str, Any] | None = None,
) -> FunctionAccess:
    """``GetPolicy``'s policy text (None: no policy), ``GetFunctionUrlConfig``'s
    ``AuthType`` (None: no URL) and ``GetFunction``'s ``Tags``."""
    return FunctionAccess(
        grants=tuple(statements(policy, "Policy")) if policy else (),
        url=("AuthType", url_auth) if url_auth else None,
        function=function,
        tags=tuple((str(k), str(v)) for k, v in (tags or {}).items()),
    )


def function_from_cloudtrail(request: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """``(function name or ARN, qualifier)`` a call names."""
    lowered = {str(k).lower(): v for k, v in request.items()}
    name = lowered.get("functionname")
    if not isinstance(name, str) or not name.strip():
        return None
    qualifier = lowered.get("qualifier")
    return name.strip(), qualifier if isinstance(qualifier, str) and qualifier else None
