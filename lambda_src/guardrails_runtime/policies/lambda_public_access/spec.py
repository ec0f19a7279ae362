"""Spec of ``lambda-public-access``: no Lambda function invocable by anyone (FSBP Lambda.1)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "lambda-public-access"

SPEC = PolicySpec(
    id=POLICY,
    title="No publicly invocable Lambda function",
    summary="No Lambda function's resource policy lets any AWS principal invoke it, and no "
    "function URL is open without authentication unless exempted.",
    rules=(
        RuleInfo(
            id="GR-LMB1",
            policy=POLICY,
            level="error",
            info="Lambda function policy allows principal '*' without a restricting condition.",
            explanation=(
                "Anyone with an AWS account can invoke the function: run its code with its "
                "role, read what it returns, and run up its bill."
            ),
            fix="Name the caller (an account, a service with SourceArn/SourceAccount, or "
            "PrincipalOrgID) instead of '*'.",
        ),
        RuleInfo(
            id="GR-LMB2",
            policy=POLICY,
            level="error",
            info="Lambda function URL has AuthType NONE.",
            explanation=(
                "A function URL without authentication is a public HTTPS endpoint: anyone "
                "on the internet can call the function."
            ),
            fix="Use AuthType AWS_IAM, or front the function with API Gateway and an "
            "authorizer; tag a deliberate public webhook with the exemption tag.",
        ),
        RuleInfo(
            id="GR-LMB3",
            policy=POLICY,
            level="warning",
            info="Lambda public access could not be evaluated: the principal or auth type "
            "is unresolved.",
            explanation="An unresolved principal may be '*'; an unresolved auth type may be NONE.",
            fix="Set them to literal values.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("lambda-function",),
    cloudformation_types=("AWS::Lambda::Permission", "AWS::Lambda::Url"),
    terraform_types=("aws_lambda_permission", "aws_lambda_function_url"),
    triggers=(
        Trigger(
            "lambda.amazonaws.com",
            (
                "AddPermission20150331v2",
                "AddPermission20150331",
                "CreateFunctionUrlConfig20211031",
                "UpdateFunctionUrlConfig20211031",
            ),
        ),
    ),
    config_rules=(
        ConfigRule(
            "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED",
            "lambda-public-access",
            "Lambda function policies do not allow public access",
            scope=("AWS::Lambda::Function",),
        ),
    ),
    fix=Fix(
        "LambdaPublicAccessRemediation",
        iam=(
            IamGrant(
                (
                    "lambda:GetFunction",
                    "lambda:GetPolicy",
                    "lambda:GetFunctionUrlConfig",
                    "lambda:RemovePermission",
                ),
                "arn:{partition}:lambda:{region}:{account}:function:*",
                "re-read a function's policy, URL and tags, and remove its public statements",
            ),
        ),
        undo=(Undo("lambda", "add_permission", "FunctionName"),),
        config_resource_types=("AWS::Lambda::Function",),
    ),
    construct="LambdaPublicAccessGuardrail",
    construct_doc="""Removes the public statements of a Lambda function's policy; reports
    function URLs without authentication.

    * react: successful ``AddPermission`` calls invoke the remediation Lambda, which
      re-reads the function's policy and removes each statement that allows principal
      ``*`` without a restricting condition (``RemovePermission`` by statement id);
      ``CreateFunctionUrlConfig``/``UpdateFunctionUrlConfig`` leaving ``AuthType: NONE``
      are notified (a public URL is often a deliberate webhook);
    * detect: AWS Config ``LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED``, NON_COMPLIANT routed
      to the same Lambda;
    * prevent: ``AWS::Lambda::Permission`` / ``aws_lambda_permission`` with principal ``*``
      and no source condition, ``AWS::Lambda::Url`` / ``aws_lambda_function_url`` with
      auth type ``NONE``.
    """,
    docs="""\
What counts as public is the same judgement as for bucket policies: an `Allow` to `*`
without a condition that names the caller (`aws:SourceArn`, `aws:SourceAccount`,
`aws:PrincipalOrgID`, `lambda:EventSourceToken`...). A service principal without
`SourceArn` (any account's bucket may invoke the function) is not flagged by this policy.

Only the public statements are removed, each by its statement id; the others stay. The
statement that lets callers use a function URL (`lambda:InvokeFunctionUrl`) is not
removed: the URL's `AuthType` decides who may call, and an `AuthType: NONE` URL is
notified (GR-LMB2), never changed, because breaking a deliberate public endpoint is worse
than reporting it. Exempt such a function with the tag to silence the notification.

CloudTrail names Lambda's calls with their API version (`AddPermission20150331v2`,
`CreateFunctionUrlConfig20211031`): the rule matches those names exactly. Undo adds the
removed statement again (`AddPermission` with its statement id, action and principal).

Tags: the exemption tag on the function (`GetFunction`).
""",
)
