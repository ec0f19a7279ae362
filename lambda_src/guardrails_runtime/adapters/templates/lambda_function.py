"""Template and plan readers of the ``lambda_function`` adapter (static plane only).

A permission (``AWS::Lambda::Permission``, ``aws_lambda_permission``) becomes the policy
statement Lambda would add: ``Principal`` and the conditions its properties set (source
ARN or account, principal org, event source token, function URL auth type). A function
URL (``AWS::Lambda::Url``, ``aws_lambda_function_url``) is judged by its auth type, as is
the URL an ``AWS::Serverless::Function`` asks the SAM transform for (``FunctionUrlConfig``;
the permissions SAM adds for its event sources name the source, so they are never
public).
"""

from __future__ import annotations

from guardrails_runtime.adapters.lambda_function import FunctionAccess
from guardrails_runtime.adapters.templates import Source, location
from guardrails_runtime.model import ResourceRef, Unresolved

KIND = "lambda-function"

CLOUDFORMATION_TYPES = ("AWS::Lambda::Permission", "AWS::Lambda::Url", "AWS::Serverless::Function")

TERRAFORM_TYPES = ("aws_lambda_permission", "aws_lambda_function_url")

OWNERS: dict[str, tuple[str, ...]] = {}

# Property (CloudFormation, Terraform) -> the condition key Lambda writes for it.
CONDITIONS = (
    ("SourceArn", "source_arn", "aws:SourceArn"),
    ("SourceAccount", "source_account", "aws:SourceAccount"),
    ("PrincipalOrgID", "principal_org_id", "aws:PrincipalOrgID"),
    ("EventSourceToken", "event_source_token", "lambda:EventSourceToken"),
    ("FunctionUrlAuthType", "function_url_auth_type", "lambda:FunctionUrlAuthType"),
    ("InvokedViaFunctionUrl", "invoked_via_function_url", "lambda:InvokedViaFunctionUrl"),
)


def _grant(source: Source, principal: str, action: str, names: int) -> FunctionAccess:
    value = source.get(principal)
    if isinstance(value, ResourceRef):
        value = Unresolved(principal, f"{principal} comes from {value.describe()}")
    if isinstance(value, Unresolved):
        return FunctionAccess(grants=((principal, value),))
    condition = {
        key: source.get(entry[names])
        for entry in CONDITIONS
        if (key := entry[2]) and source.get(entry[names]) not in (None, "")
    }
    statement = {
        "Effect": "Allow",
        "Principal": value,
        "Action": source.get(action),
        "Condition": {"StringEquals": condition} if condition else {},
    }
    return FunctionAccess(grants=((principal, statement),))


def _url(source: Source, *path: str) -> FunctionAccess:
    where = location(path)
    value = source.get(*path)
    if isinstance(value, ResourceRef):
        value = Unresolved(where, f"{where} comes from {value.describe()}")
    return FunctionAccess(url=(where, value if isinstance(value, Unresolved) else str(value)))


def from_cloudformation(source: Source) -> FunctionAccess | None:
    if source.resource_type == "AWS::Lambda::Url":
        return _url(source, "AuthType")
    if source.resource_type == "AWS::Serverless::Function":
        config = source.get("FunctionUrlConfig")
        return None if config is None else _url(source, "FunctionUrlConfig", "AuthType")
    return _grant(source, "Principal", "Action", 0)


def from_terraform(source: Source) -> FunctionAccess:
    if source.resource_type == "aws_lambda_function_url":
        return _url(source, "authorization_type")
    return _grant(source, "principal", "action", 1)
