"""Policy ``lambda-public-access``: pure logic over :class:`FunctionAccess` facts."""

from __future__ import annotations

from collections.abc import Mapping

from guardrails_runtime.adapters.lambda_function import FunctionAccess, url_only
from guardrails_runtime.documents import public_statement
from guardrails_runtime.model import PolicyOptions, Unresolved, Violation


def evaluate(access: FunctionAccess, options: PolicyOptions | None = None) -> list[Violation]:
    """GR-LMB1 per public grant, GR-LMB2 for a URL without auth, GR-LMB3 when unknown."""
    out: list[Violation] = []
    for where, statement in access.grants:
        if isinstance(statement, Unresolved):
            out.append(Violation("GR-LMB3", statement.why, statement.where or where))
        elif (
            isinstance(statement, Mapping)
            and not url_only(statement)
            and public_statement(statement)
        ):
            sid = statement.get("Sid")
            named = f" ({sid})" if sid else ""
            out.append(
                Violation(
                    "GR-LMB1",
                    f"{where}{named} lets any AWS principal invoke the function "
                    "(principal '*' without a source or organization condition)",
                    where,
                )
            )
    if access.url is not None:
        where, auth = access.url
        if isinstance(auth, Unresolved):
            out.append(Violation("GR-LMB3", auth.why, auth.where or where))
        elif auth.upper() == "NONE":
            out.append(
                Violation(
                    "GR-LMB2",
                    f"{where} is NONE: anyone on the internet can call the function URL",
                    where,
                )
            )
    return out
