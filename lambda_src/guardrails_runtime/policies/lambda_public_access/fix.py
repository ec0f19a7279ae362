"""Reactive plane of ``lambda-public-access``: remove a function's public statements.

Trigger: a successful ``AddPermission`` or function URL call (the function from the
request), or a NON_COMPLIANT evaluation of ``LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED``.
Reads ``GetFunction`` (tags), ``GetPolicy`` and ``GetFunctionUrlConfig``; each public
statement (GR-LMB1) of a function that is not exempt is removed by its statement id; a URL
without auth (GR-LMB2) is notified only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.lambda_function import (
    FunctionAccess,
    from_api,
    function_from_cloudtrail,
)
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.lambda_public_access.policy import evaluate
from guardrails_runtime.policies.lambda_public_access.spec import SPEC
from guardrails_runtime.remediations.base import (
    Context,
    Remediation,
    done,
    enforce,
    tag_exemption,
    violation_fingerprint,
)
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args

NOT_FOUND = "ResourceNotFoundException"


class LambdaPublicAccessRemediation(Remediation):
    """``RemovePermission`` for each public statement; function URLs are notified."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        named = function_from_cloudtrail(call.request)
        if named is None:
            raise MalformedEventError("requestParameters.functionName must name the function")
        return self._enforce(ctx, outcome, *named)

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self._enforce(ctx, outcome, change.resource_id, None)

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return command(
            "aws",
            "lambda",
            "tag-resource",
            *region_args(outcome.region),
            "--resource",
            outcome.resource_arn or "<function-arn>",
            "--tags",
            f"{settings.exemption_tag_key}={settings.exemption_tag_value}",
        )

    def _enforce(
        self, ctx: Context, outcome: Outcome, function: str, qualifier: str | None
    ) -> Outcome:
        client = ctx.clients.get("lambda", outcome.region)
        outcome.resource = function
        found = _describe(client, function, qualifier)
        if found is None:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = f"function {function} no longer exists"
            return outcome
        access, arn = found
        outcome.resource_arn = arn
        violations = evaluate(access)
        if not violations:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = "the function is not publicly invocable"
            return outcome
        outcome.rule = violations[0].rule
        public = [
            statement
            for where, statement in access.grants
            if any(v.rule == "GR-LMB1" and v.location == where for v in violations)
            and isinstance(statement, Mapping)
        ]
        url = [v.message for v in violations if v.rule == "GR-LMB2"]
        exempt = tag_exemption(ctx.settings, dict(access.tags), "function", outcome)
        if not public:
            why = f"the function URL is public ({url[0]})"
            outcome.fingerprint = violation_fingerprint(outcome.policy, why)
            if exempt is not None:
                return done(outcome, Decision.EXEMPT, f"{why}; left as is: {exempt}")
            return done(
                outcome,
                Decision.NOTIFIED,
                f"{why}; notified only: a public URL is often a deliberate endpoint "
                "(exempt the function with the tag if it is)",
            )
        why = "the function policy lets any AWS principal invoke it"
        outcome.changes = [
            _change(function, qualifier, statement, outcome.region) for statement in public
        ]
        also = f"; also: {url[0]} (notified only)" if url else ""

        def act() -> str:
            for statement in public:
                client.remove_permission(
                    FunctionName=function,
                    StatementId=str(statement["Sid"]),
                    **({"Qualifier": qualifier} if qualifier else {}),
                )
            sids = ", ".join(str(s["Sid"]) for s in public)
            return f"removed statement(s) {sids}{also}"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _change(
    function: str, qualifier: str | None, statement: Mapping[str, Any], region: str | None
) -> Change:
    sid, action = str(statement.get("Sid")), str(statement.get("Action"))
    extra = {"Qualifier": qualifier} if qualifier else {}
    return Change(
        "lambda:RemovePermission",
        function,
        {"statementId": sid, "removed": dict(statement)},
        command(
            "aws",
            "lambda",
            "add-permission",
            *region_args(region),
            "--function-name",
            function,
            "--statement-id",
            sid,
            "--action",
            action,
            "--principal",
            "*",
            *(("--qualifier", qualifier) if qualifier else ()),
        ),
        UndoCall(
            "lambda",
            "add_permission",
            {"FunctionName": function, "StatementId": sid, "Action": action, "Principal": "*"}
            | extra,
        ),
    )


def _describe(
    client: Any, function: str, qualifier: str | None
) -> tuple[FunctionAccess, str | None] | None:
    scope = {"FunctionName": function, **({"Qualifier": qualifier} if qualifier else {})}
    try:
        described = client.get_function(FunctionName=function)
    except ClientError as exc:
        if error_code(exc) == NOT_FOUND:
            return None
        raise
    answers: list[Any] = []
    for read, key in ((client.get_policy, "Policy"), (client.get_function_url_config, "AuthType")):
        try:
            answers.append(read(**scope).get(key))
        except ClientError as exc:
            if error_code(exc) != NOT_FOUND:
                raise
            answers.append(None)
    arn = (described.get("Configuration") or {}).get("FunctionArn")
    return from_api(function, answers[0], answers[1], described.get("Tags")), arn
