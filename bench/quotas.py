#!/usr/bin/env python3
"""How the default GuardrailStack sits against the AWS quotas it could hit as the catalog
grows: CloudFormation resources per template, EventBridge rules per bus and event pattern
size, and the size of the remediation function's resource-based policy (one statement per
rule that invokes it).

    python bench/quotas.py

The function policy's size is estimated from the statements Lambda writes for each
``AWS::Lambda::Permission`` (principal, action, source ARN condition, resource ARN, with a
full-length account id, region and names), which is what counts against its 20 KB cap.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk.assertions import Template

from guardrails import GuardrailSettings, GuardrailStack

# Quotas (AWS documentation): CloudFormation resources per stack; EventBridge rules per
# event bus; event pattern characters; a function's resource-based policy, bytes.
RESOURCES, RULES, PATTERN, FUNCTION_POLICY = 500, 300, 2048, 20 * 1024


def main() -> None:
    app = cdk.App()
    stack = GuardrailStack(app, "Guardrails", settings=GuardrailSettings())
    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]
    rules = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    patterns = [
        len(json.dumps(r["Properties"]["EventPattern"], separators=(",", ":")))
        for r in rules
        if "EventPattern" in r["Properties"]
    ]
    permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    arn = "arn:aws:lambda:ap-southeast-2:123456789012:function:guardrails-remediator"
    rule_arn = "arn:aws:events:ap-southeast-2:123456789012:rule/" + "x" * 64
    statement = {
        "Sid": "Guardrails-" + "x" * 52,
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": arn,
        "Condition": {"ArnLike": {"AWS:SourceArn": rule_arn}},
    }
    policy = len(
        json.dumps(
            {"Version": "2012-10-17", "Id": "default", "Statement": [statement] * len(permissions)}
        )
    )
    rows = [
        ("CloudFormation resources", len(resources), RESOURCES),
        ("EventBridge rules (default bus)", len(rules), RULES),
        ("largest event pattern (characters)", max(patterns), PATTERN),
        ("function policy statements", len(permissions), None),
        ("function policy size (bytes, estimated)", policy, FUNCTION_POLICY),
    ]
    print(f"{'':42} {'value':>7} {'quota':>7}  share")
    for name, value, quota in rows:
        share = f"{value / quota:6.0%}" if quota else ""
        print(f"{name:42} {value:>7} {quota or '':>7}  {share}")


if __name__ == "__main__":
    main()
