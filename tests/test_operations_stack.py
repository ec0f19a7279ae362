"""Synthesis tests of what surrounds the Lambda: ledger table, alarms, dashboard,
self-protection, notification channels."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from test_stack import of_type, one, pattern_matches, synth

from guardrails_runtime.ledger import TTL_ATTRIBUTE, table_spec

pytestmark = pytest.mark.synth
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def full() -> tuple[Any, dict[str, Any]]:
    return synth(
        notification_emails=("secops@example.com",),
        notification_https_urls=("https://events.example.com/guardrails",),
        chatbot_slack={"workspaceId": "T07AB12CD", "channelId": "C07XY34ZW"},
        dashboard=True,
        metrics_namespace="Acme/Guardrails",
        ledger_ttl_days=30,
        flap_threshold=4,
        flap_window_minutes=15,
        flap_cooldown_minutes=120,
    )


@pytest.fixture(scope="module")
def template(full: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return full[1]


def logical_id(template: dict[str, Any], kind: str) -> str:
    [key] = of_type(template, kind)
    return key


def test_ledger_table_matches_the_runtime_spec(template: dict[str, Any]) -> None:
    [(_, resource)] = of_type(template, "AWS::DynamoDB::Table").items()
    table = resource["Properties"]
    spec = table_spec("-")
    assert table["KeySchema"] == spec["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        spec["AttributeDefinitions"], key=str
    )
    assert sorted(table["GlobalSecondaryIndexes"], key=str) == sorted(
        spec["GlobalSecondaryIndexes"], key=str
    )
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSESpecification"] == {"SSEEnabled": True}  # KMS, AWS managed key
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"


def test_table_spec_creates_a_working_table_in_moto() -> None:
    from moto import mock_aws

    with mock_aws():
        db = boto3.client("dynamodb", region_name="eu-west-1")
        db.create_table(**table_spec("t"))
        indexes = db.describe_table(TableName="t")["Table"]["GlobalSecondaryIndexes"]
        assert sorted(i["IndexName"] for i in indexes) == ["byDay", "byResource"]


def test_lambda_environment_carries_the_ledger_and_flapping_settings(
    template: dict[str, Any],
) -> None:
    env = one(template, "AWS::Lambda::Function")["Environment"]["Variables"]
    table = logical_id(template, "AWS::DynamoDB::Table")
    assert env["GUARDRAILS_LEDGER_TABLE"] == {"Ref": table}
    assert env["GUARDRAILS_LEDGER_REGION"] == {"Ref": "AWS::Region"}
    assert env["GUARDRAILS_LEDGER_TTL_DAYS"] == "30"
    assert (
        env["GUARDRAILS_FLAP_THRESHOLD"],
        env["GUARDRAILS_FLAP_WINDOW_MINUTES"],
        env["GUARDRAILS_FLAP_COOLDOWN_MINUTES"],
    ) == ("4", "15", "120")
    assert env["GUARDRAILS_METRICS_NAMESPACE"] == "Acme/Guardrails"
    assert one(template, "AWS::Lambda::Function")["FunctionName"] == "guardrails-remediator"


def test_runtime_reads_what_the_stack_writes(full: tuple[Any, dict[str, Any]]) -> None:
    from guardrails_runtime.settings import RuntimeSettings

    stack, _ = full
    env = stack.settings.runtime_environment()
    env["GUARDRAILS_LEDGER_TABLE"] = "ledger"
    runtime = RuntimeSettings.from_env(env)
    assert (runtime.ledger_ttl_days, runtime.flap_threshold) == (30, 4)
    assert (runtime.flap_window_minutes, runtime.flap_cooldown_minutes) == (15, 120)
    assert runtime.metrics_namespace == "Acme/Guardrails" and runtime.ledger_table == "ledger"


def test_ledger_permissions_are_the_table_and_its_indexes_only(template: dict[str, Any]) -> None:
    table = logical_id(template, "AWS::DynamoDB::Table")
    [statement] = [
        s
        for p in of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "dynamodb:GetItem" in s["Action"]
    ]
    assert statement["Action"] == ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    assert statement["Resource"] == [
        {"Fn::GetAtt": [table, "Arn"]},
        {"Fn::Join": ["", [{"Fn::GetAtt": [table, "Arn"]}, "/index/*"]]},
    ]


def test_alarms_watch_errors_throttles_and_dead_letters(template: dict[str, Any]) -> None:
    topic = logical_id(template, "AWS::SNS::Topic")
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in of_type(template, "AWS::CloudWatch::Alarm").values()
    }
    assert set(alarms) == {"Errors", "Throttles", "ApproximateNumberOfMessagesVisible", "Heartbeat"}
    # A missing heartbeat is the alarm: the heartbeat rule, its target or the Lambda is off.
    assert alarms["Heartbeat"]["ComparisonOperator"] == "LessThanThreshold"
    assert alarms["Heartbeat"]["TreatMissingData"] == "breaching"
    del alarms["Heartbeat"]
    assert alarms["Errors"]["Namespace"] == "AWS/Lambda"
    assert alarms["ApproximateNumberOfMessagesVisible"]["Namespace"] == "AWS/SQS"
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["Threshold"] == 1 and alarm["TreatMissingData"] == "notBreaching"
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_topic_accepts_alarms_and_events_through_its_key(template: dict[str, Any]) -> None:
    key = one(template, "AWS::KMS::Key")["KeyPolicy"]["Statement"]
    services = [s for s in key if "Service" in s["Principal"]]
    # One statement per publisher, no duplicates (issue 13, item 14).
    assert sorted(s["Principal"]["Service"] for s in services) == [
        "cloudwatch.amazonaws.com",
        "events.amazonaws.com",
    ]
    assert len({json.dumps(s, sort_keys=True) for s in key}) == len(key)
    for statement in services:
        assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
        assert statement["Resource"] == "*"  # a key policy's resource is the key itself
    [alarm_key] = [s for s in services if s["Principal"]["Service"] == "cloudwatch.amazonaws.com"]
    account = {"Ref": "AWS::AccountId"}
    assert alarm_key["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    # EventBridge-to-encrypted-topic delivery fails with source conditions in the key
    # policy (SNS developer guide): the topic policy fences it instead (below).
    [events_key] = [s for s in services if s["Principal"]["Service"] == "events.amazonaws.com"]
    assert "Condition" not in events_key
    topic_policy = one(template, "AWS::SNS::TopicPolicy")["PolicyDocument"]["Statement"]
    principals = {json.dumps(s.get("Principal")) for s in topic_policy if s["Effect"] == "Allow"}
    [alarms] = [
        s for s in topic_policy if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert json.dumps({"Service": "cloudwatch.amazonaws.com"}) in principals
    assert json.dumps({"Service": "events.amazonaws.com"}) in principals
    rules = [
        k
        for k, r in of_type(template, "AWS::Events::Rule").items()
        if r["Properties"]["Name"].startswith("guardrails-self-protection")
        and not r["Properties"]["Name"].endswith("-cfn")  # these go to the Lambda
    ]
    [fence] = [
        s
        for s in topic_policy
        if s["Effect"] == "Deny" and "ArnNotEquals" in s.get("Condition", {})
    ]
    assert fence["Principal"] == {"Service": "events.amazonaws.com"}
    allowed = fence["Condition"]["ArnNotEquals"]["aws:SourceArn"]
    assert sorted(a["Fn::GetAtt"][0] for a in allowed) == sorted(rules)
    assert len(rules) == 2  # the guardrail's resources, and its notification path


def test_dashboard_only_when_asked(template: dict[str, Any]) -> None:
    body = json.dumps(one(template, "AWS::CloudWatch::Dashboard")["DashboardBody"])
    for metric in ("Remediations", "DryRunFindings", "Exemptions", "Errors", "Escalations"):
        assert f'\\"Acme/Guardrails\\",\\"{metric}\\",\\"Policy\\",\\"sg-open-ingress\\"' in body
    _, default = synth()
    assert of_type(default, "AWS::CloudWatch::Dashboard") == {}
    _, quiet = synth(alarms=False, self_protection=False)
    assert of_type(quiet, "AWS::CloudWatch::Alarm") == {}
    assert "guardrails-self-protection" not in json.dumps(quiet)


def test_https_and_slack_channels(template: dict[str, Any]) -> None:
    topic = logical_id(template, "AWS::SNS::Topic")
    subscriptions = {
        s["Properties"]["Protocol"]: s["Properties"]
        for s in of_type(template, "AWS::SNS::Subscription").values()
    }
    assert set(subscriptions) == {"email", "https"}
    https = subscriptions["https"]
    assert https["Endpoint"] == "https://events.example.com/guardrails"
    assert https["FilterPolicy"] == subscriptions["email"]["FilterPolicy"]
    slack = one(template, "AWS::Chatbot::SlackChannelConfiguration")
    assert (slack["SlackWorkspaceId"], slack["SlackChannelId"]) == ("T07AB12CD", "C07XY34ZW")
    assert slack["SnsTopicArns"] == [{"Ref": topic}]
    assert slack["GuardrailPolicies"] == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/ReadOnlyAccess"]]}
    ]


def test_full_stack_passes_aws_solutions_checks() -> None:
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from guardrails import GuardrailSettings, GuardrailStack

    app = cdk.App()
    GuardrailStack(
        app,
        "Guardrails",
        settings=GuardrailSettings(
            notification_https_urls=("https://events.example.com/x",),
            chatbot_slack={"workspaceId": "T07AB12CD", "channelId": "C07XY34ZW"},
            dashboard=True,
        ),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


def test_subscription_filter_lets_alarms_through_but_not_compliant() -> None:
    """The e-mail/HTTPS filter policy, applied by SNS (moto's) to three messages."""
    from moto import mock_aws

    _, template = synth(notification_emails=("a@example.com",))
    policy = one(template, "AWS::SNS::Subscription")["FilterPolicy"]
    with mock_aws():
        sns = boto3.client("sns", region_name="eu-west-1")
        sqs = boto3.client("sqs", region_name="eu-west-1")
        topic = sns.create_topic(Name="t")["TopicArn"]
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps(policy)},
        )
        for body, decision in (("compliant", "compliant"), ("reverted", "remediated")):
            sns.publish(
                TopicArn=topic,
                Message=body,
                MessageAttributes={"decision": {"DataType": "String", "StringValue": decision}},
            )
        sns.publish(TopicArn=topic, Message="alarm")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in got) == ["alarm", "reverted"]


# --- self-protection ---------------------------------------------------------------------


def resolved(value: Any, names: dict[str, str]) -> Any:
    """The pattern with Refs and Joins replaced by the physical names CFN would give."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return names[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            sep, parts = value["Fn::Join"]
            return sep.join(str(resolved(p, names)) for p in parts)
        return {k: resolved(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v, names) for v in value]
    return value


def call(source: str, name: str, params: dict[str, Any], *, via: str = "203.0.113.7") -> Any:
    return {
        "source": "aws." + source.split(".", maxsplit=1)[0],
        "detail-type": "AWS API Call via CloudTrail",
        "detail": {
            "eventSource": source,
            "eventName": name,
            "sourceIPAddress": via,
            "userIdentity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/mallory"},
            "requestParameters": params,
        },
    }


def test_self_protection_pattern_matches_changes_outside_cloudformation(
    template: dict[str, Any],
) -> None:
    [role] = [
        k
        for k, r in of_type(template, "AWS::IAM::Role").items()
        if "remediation" in r["Properties"].get("Description", "")
    ]
    [recheck_role] = [
        k
        for k, r in of_type(template, "AWS::IAM::Role").items()
        if "Scheduler" in r["Properties"].get("Description", "")
    ]
    table = logical_id(template, "AWS::DynamoDB::Table")
    names = {
        role: "Guardrails-RemediationRole-1A2B3C",
        table: "Guardrails-LedgerTable-9Z8Y",
        recheck_role: "Guardrails-RecheckRole-4D5E",
    }
    [rule] = [
        r["Properties"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-self-protection"
    ]
    pattern = resolved(rule["EventPattern"], names)
    assert len(json.dumps(pattern)) < 2048  # EventBridge's default pattern size quota
    fn_arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:guardrails-remediator"
    events = {
        "code": call(
            "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", {"functionName": fn_arn}
        ),
        "env": call(
            "lambda.amazonaws.com",
            "UpdateFunctionConfiguration20150331v2",
            {"functionName": "guardrails-remediator"},
        ),
        "concurrency": call(
            "lambda.amazonaws.com",
            "DeleteFunctionConcurrency20171031",
            {"functionName": "guardrails-remediator"},
        ),
        "disable": call(
            "events.amazonaws.com", "DisableRule", {"name": "guardrails-sg-open-ingress-api"}
        ),
        "targets": call(
            "events.amazonaws.com", "RemoveTargets", {"rule": "guardrails-self-protection"}
        ),
        "policy": call(
            "iam.amazonaws.com", "DeleteRolePolicy", {"roleName": names[role], "policyName": "p"}
        ),
        "config": call(
            "config.amazonaws.com",
            "DeleteConfigRule",
            {"configRuleName": "guardrails-s3-encryption"},
        ),
        "ttl": call("dynamodb.amazonaws.com", "UpdateTimeToLive", {"tableName": names[table]}),
        "recheck-role": call(
            "iam.amazonaws.com",
            "PutRolePolicy",
            {"roleName": names[recheck_role], "policyName": "p"},
        ),
        # Not reported: CloudFormation's own updates, other resources, reads.
        "by-cfn": call(
            "lambda.amazonaws.com",
            "UpdateFunctionCode20150331v2",
            {"functionName": fn_arn},
            via="cloudformation.amazonaws.com",
        ),
        "other-function": call(
            "lambda.amazonaws.com",
            "UpdateFunctionCode20150331v2",
            {"functionName": "payments-api"},
        ),
        "other-rule": call("events.amazonaws.com", "DisableRule", {"name": "nightly-backup"}),
        "other-table": call("dynamodb.amazonaws.com", "DeleteTable", {"tableName": "orders"}),
    }
    assert pattern_matches(pattern, events) == {
        "code",
        "env",
        "concurrency",
        "disable",
        "targets",
        "policy",
        "config",
        "ttl",
        "recheck-role",
    }


def test_self_protection_message_is_a_custom_notification(template: dict[str, Any]) -> None:
    from test_notify_chatbot import chatbot_problems

    [rule] = [
        r["Properties"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-self-protection"
    ]
    [target] = rule["Targets"]
    transformer = target["InputTransformer"]
    rendered = transformer["InputTemplate"]
    # As EventBridge renders it: a bare placeholder becomes a JSON value, one inside a
    # string is spliced into the string.
    for key in transformer["InputPathsMap"]:
        rendered = re.sub(rf"(?<=[:\[,])<{key}>", json.dumps(f"value-of-{key}"), rendered)
        rendered = rendered.replace(f"<{key}>", f"value-of-{key}")
    message = json.loads(rendered)
    assert chatbot_problems(message) == []
    assert message["metadata"]["additionalContext"]["actor"] == "value-of-detail-userIdentity-arn"


def test_scp_denies_what_self_protection_watches() -> None:
    """The optional SCP covers every change the self-protection rule reports."""
    from importlib import resources

    from guardrails.operations import (
        ALARM_CALLS,
        LAMBDA_CALLS,
        LOG_CALLS,
        QUEUE_CALLS,
        RECORDER_CALLS,
        ROLE_CALLS,
        RULE_CALLS,
        SCHEDULE_CALLS,
        SCHEDULE_GROUP_CALLS,
        SUBSCRIPTION_CALLS,
        TABLE_CALLS,
        TARGET_CALLS,
        TOPIC_CALLS,
    )

    scp = json.loads(
        resources.files("guardrails.examples").joinpath("scp-protect-guardrails.json").read_text()
    )
    assert all(s["Effect"] == "Deny" for s in scp["Statement"])
    denied = {a for s in scp["Statement"] for a in s["Action"]}
    for prefix in LAMBDA_CALLS:
        assert any(a.startswith(f"lambda:{prefix}") for a in denied), prefix
    for service, calls in (
        ("events", RULE_CALLS + TARGET_CALLS),
        ("iam", ROLE_CALLS),
        ("dynamodb", TABLE_CALLS),
        ("config", ("PutConfigRule", "DeleteConfigRule", *RECORDER_CALLS)),
        ("sns", TOPIC_CALLS + SUBSCRIPTION_CALLS),
        ("sqs", QUEUE_CALLS),
        ("cloudwatch", ALARM_CALLS),
        ("logs", LOG_CALLS),
        ("scheduler", SCHEDULE_CALLS + SCHEDULE_GROUP_CALLS),
    ):
        assert {f"{service}:{c}" for c in calls} <= denied
    for statement in scp["Statement"]:
        allowed = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
        assert "cfn-exec-role" in json.dumps(allowed)
    # Only approvers (and the deployment) may set or remove the exemption tag, where the
    # service has a tag-key condition (S3 bucket tagging has none: the react plane watches).
    [exempt] = [s for s in scp["Statement"] if s["Sid"] == "OnlyApproversExempt"]
    assert exempt["Condition"]["ForAnyValue:StringEqualsIgnoreCase"] == {
        "aws:TagKeys": ["SecurityExemption"]
    }
    tagging = {"ec2:CreateTags", "cloudtrail:AddTags", "rds:AddTagsToResource"}
    assert tagging <= set(exempt["Action"])
    # Nobody but the deployment may hand the remediation role to another function or
    # assume it (a borrowed session is reported, but better never granted).
    [role] = [s for s in scp["Statement"] if s["Sid"] == "ProtectGuardrailRole"]
    assert set(role["Action"]) == {"iam:PassRole", "sts:AssumeRole"}
    # The re-check role: the remediation role must still pass it to Scheduler.
    [recheck] = [s for s in scp["Statement"] if s["Sid"] == "ProtectGuardrailRecheckRole"]
    assert set(recheck["Action"]) == {"iam:PassRole", "sts:AssumeRole"}
    assert any(
        "RemediationRole" in arn for arn in recheck["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    )
    assert role["Resource"] == ["arn:aws:iam::*:role/Guardrails-GuardrailCoreRemediationRole*"]


def test_self_protection_watches_the_notification_path(template: dict[str, Any]) -> None:
    """The topic, its key, the subscriptions, the dead-letter queue, the alarms, the log
    group and the Config recorder (issue 13, item 7): silencing the guardrail's output is
    reported like changing the guardrail."""
    names = {
        logical_id(template, "AWS::SNS::Topic"): f"arn:aws:sns:eu-west-1:{ACCOUNT}:findings",
        logical_id(template, "AWS::KMS::Key"): "1234abcd-12ab-34cd-56ef-1234567890ab",
        logical_id(
            template, "AWS::SQS::Queue"
        ): f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/dlq",
        logical_id(template, "AWS::Logs::LogGroup"): "Guardrails-Logs-1A2B",
    }
    [rule] = [
        r["Properties"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-self-protection-delivery"
    ]
    pattern = resolved(rule["EventPattern"], names)
    assert len(json.dumps(pattern)) < 2048
    topic = names[logical_id(template, "AWS::SNS::Topic")]
    key = names[logical_id(template, "AWS::KMS::Key")]
    queue = names[logical_id(template, "AWS::SQS::Queue")]

    def kms(name: str, key_id: str) -> dict[str, Any]:
        return call("kms.amazonaws.com", name, {"keyId": key_id})

    key_arn = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{key}"
    events = {
        "unsubscribe": call(
            "sns.amazonaws.com", "Unsubscribe", {"subscriptionArn": f"{topic}:5f2b-0c1d"}
        ),
        "topic-policy": call("sns.amazonaws.com", "SetTopicAttributes", {"topicArn": topic}),
        "key-deletion": kms("ScheduleKeyDeletion", key_arn),
        "key-disabled": kms("DisableKey", key),
        "dlq-purged": call(
            "sqs.amazonaws.com",
            "PurgeQueue",
            {"queueUrl": queue},
        ),
        "alarms-off": call(
            "monitoring.amazonaws.com", "DisableAlarmActions", {"alarmNames": ["guardrails-Errors"]}
        ),
        "recorder": call(
            "config.amazonaws.com", "StopConfigurationRecorder", {"configurationRecorderName": "d"}
        ),
        "logs": call(
            "logs.amazonaws.com", "DeleteLogGroup", {"logGroupName": "Guardrails-Logs-1A2B"}
        ),
        # A pending re-check deleted: the hold it ends would be an off switch again.
        "recheck": call(
            "scheduler.amazonaws.com",
            "DeleteSchedule",
            {"name": "recheck-abc-1800000000", "groupName": "guardrails-rechecks"},
        ),
        "recheck-group": call(
            "scheduler.amazonaws.com", "DeleteScheduleGroup", {"name": "guardrails-rechecks"}
        ),
        # Not reported: other topics, keys, queues, alarms, schedules.
        "other-schedule": call(
            "scheduler.amazonaws.com",
            "DeleteSchedule",
            {"name": "nightly", "groupName": "default"},
        ),
        "other-topic": call("sns.amazonaws.com", "DeleteTopic", {"topicArn": f"{topic}-not-ours"}),
        "other-key": kms("DisableKey", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0000-other"),
        "other-alarm": call(
            "monitoring.amazonaws.com", "DeleteAlarms", {"alarmNames": ["billing-high"]}
        ),
    }
    for event in events.values():
        if event["source"] == "aws.monitoring":
            event["source"] = "aws.cloudwatch"
    assert pattern_matches(pattern, events) == {
        "unsubscribe",
        "topic-policy",
        "key-deletion",
        "key-disabled",
        "dlq-purged",
        "alarms-off",
        "recorder",
        "logs",
        "recheck",
        "recheck-group",
    }


def test_changes_made_by_cloudformation_go_to_the_lambda_not_nowhere(
    template: dict[str, Any],
) -> None:
    """Any stack's CloudFormation calls were excluded (issue 13, item 7): the same calls
    made by CloudFormation now reach the Lambda, which excludes only the guardrail stack's
    own deployment (tests/adversary/test_cfn_changes.py)."""
    rules = {
        r["Properties"]["Name"]: r["Properties"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"]["Name"].endswith("-cfn")
    }
    assert set(rules) == {
        "guardrails-self-protection-cfn",
        "guardrails-self-protection-delivery-cfn",
    }
    [function] = of_type(template, "AWS::Lambda::Function")
    for name, rule in rules.items():
        straight = name.removesuffix("-cfn")
        [twin] = [
            r["Properties"]
            for r in of_type(template, "AWS::Events::Rule").values()
            if r["Properties"]["Name"] == straight
        ]
        # The same calls, CloudFormation's only.
        assert rule["EventPattern"]["detail"]["$or"] == twin["EventPattern"]["detail"]["$or"]
        assert rule["EventPattern"]["detail"]["sourceIPAddress"] == ["cloudformation.amazonaws.com"]
        [target] = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [function, "Arn"]}
        transformer = target["InputTransformer"]
        assert json.loads(re.sub(r"<(\w+)>", r'"\1"', transformer["InputTemplate"])) == {
            "guardrailsCfnChange": "detail"
        }
        assert transformer["InputPathsMap"] == {"detail": "$.detail"}
    env = one(template, "AWS::Lambda::Function")["Environment"]["Variables"]
    assert env["GUARDRAILS_STACK_ID"] == {"Ref": "AWS::StackId"}
    [heartbeat] = [
        r["Properties"]
        for r in of_type(template, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == "guardrails-heartbeat"
    ]
    required = json.loads(heartbeat["Targets"][0]["Input"])["guardrailsHeartbeat"]["required"]
    assert set(rules) <= set(required)
