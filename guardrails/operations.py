"""What runs beside the remediation Lambda: its ledger, its alarms, its self-protection.

* :class:`LedgerTable`: the DynamoDB table of :mod:`guardrails_runtime.ledger`, built from
  the same :func:`~guardrails_runtime.ledger.table_spec` (a synth test holds them equal).
* :class:`Alarms`: Lambda errors, Lambda throttles and dead-letter queue depth, each to
  the findings topic; optionally a dashboard of the per-policy metrics.
* :class:`SelfProtection`: an EventBridge rule that notifies when the guardrail's own
  resources are changed by anyone but CloudFormation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from guardrails_runtime import ledger as runtime_ledger
from guardrails_runtime.metrics import ALL_METRICS, DIMENSION

CLOUDFORMATION = "cloudformation.amazonaws.com"


class LedgerTable(Construct):
    """The remediation ledger: on-demand, encrypted with the AWS managed key, point-in-time
    recovery, TTL on ``expiresAt``, deletion protection, and retained on stack deletion
    (it is an audit record)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        spec = runtime_ledger.table_spec("-")
        [key] = spec["KeySchema"]
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(
                name=key["AttributeName"], type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=runtime_ledger.TTL_ATTRIBUTE,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in spec["GlobalSecondaryIndexes"]:
            hash_key, range_key = index["KeySchema"]
            self.table.add_global_secondary_index(
                index_name=index["IndexName"],
                partition_key=dynamodb.Attribute(
                    name=hash_key["AttributeName"], type=dynamodb.AttributeType.STRING
                ),
                sort_key=dynamodb.Attribute(
                    name=range_key["AttributeName"], type=dynamodb.AttributeType.STRING
                ),
                projection_type=dynamodb.ProjectionType.ALL,
            )


class Alarms(Construct):
    """Alarms on the things that mean the guardrail itself is not working, to the topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        dead_letters: sqs.IQueue,
        topic: sns.ITopic,
        namespace: str,
        prefix: str = "guardrails",
        policies: Sequence[str],
        dashboard: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        five = Duration.minutes(5)
        action = cw_actions.SnsAction(topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, metric, what in (
            (
                "HandlerErrors",
                function.metric_errors(period=five, statistic="Sum"),
                "the remediation Lambda raised (the event is retried, then dead-lettered)",
            ),
            (
                "Throttles",
                function.metric_throttles(period=five, statistic="Sum"),
                "the remediation Lambda was throttled (raise reservedConcurrency)",
            ),
            (
                "DeadLetters",
                dead_letters.metric_approximate_number_of_messages_visible(
                    period=five, statistic="Maximum"
                ),
                "events the guardrail could not handle wait in the dead-letter queue",
            ),
        ):
            alarm = cloudwatch.Alarm(
                self,
                name,
                # Named "<prefix>-...": what self-protection watches (DisableAlarmActions).
                alarm_name=f"{prefix}-{name}",
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"cdk-guardrails: {what}",
            )
            alarm.add_alarm_action(action)
            self.alarms[name] = alarm
        self.dashboard = (
            _dashboard(self, function, dead_letters, namespace, policies) if dashboard else None
        )


def _dashboard(
    scope: Construct,
    function: lambda_.IFunction,
    dead_letters: sqs.IQueue,
    namespace: str,
    policies: Sequence[str],
) -> cloudwatch.Dashboard:
    """One graph per guardrail metric (a line per policy), then the Lambda and the DLQ."""
    hour = Duration.hours(1)
    board = cloudwatch.Dashboard(scope, "Dashboard")
    widgets: list[cloudwatch.IWidget] = [
        cloudwatch.GraphWidget(
            title=name,
            left=[
                cloudwatch.Metric(
                    namespace=namespace,
                    metric_name=name,
                    dimensions_map={DIMENSION: policy},
                    statistic="Sum",
                    period=hour,
                    label=policy,
                )
                for policy in policies
            ],
            width=8,
        )
        for name in ALL_METRICS
    ]
    widgets += [
        cloudwatch.GraphWidget(
            title="Remediation Lambda",
            left=[function.metric_invocations(), function.metric_errors()],
            right=[function.metric_throttles()],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="Dead-letter queue depth",
            left=[dead_letters.metric_approximate_number_of_messages_visible()],
            width=8,
        ),
    ]
    board.add_widgets(*widgets)
    return board


# API calls that change each kind of guardrail resource. Lambda's are matched by prefix
# (their names carry API versions: UpdateFunctionCode20150331v2, DeleteFunctionConcurrency
# 20171031...). Read-only calls are not sent to EventBridge at all.
LAMBDA_CALLS = (
    "UpdateFunction",
    "DeleteFunction",
    "PutFunction",
    "AddPermission",
    "RemovePermission",
)
RULE_CALLS = ("PutRule", "DeleteRule", "DisableRule")
TARGET_CALLS = ("PutTargets", "RemoveTargets")
ROLE_CALLS = (
    "PutRolePolicy",
    "DeleteRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "UpdateAssumeRolePolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "DeleteRole",
)
# The notification path: the topic, its key, the dead-letter queue, the alarms, the logs,
# and the Config recorder the detect plane needs.
KEY_CALLS = ("DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy")
TOPIC_CALLS = ("SetTopicAttributes", "DeleteTopic", "RemovePermission")
SUBSCRIPTION_CALLS = ("Unsubscribe", "SetSubscriptionAttributes")
QUEUE_CALLS = ("SetQueueAttributes", "PurgeQueue", "DeleteQueue")
ALARM_CALLS = ("DisableAlarmActions", "DeleteAlarms")
RECORDER_CALLS = (
    "StopConfigurationRecorder",
    "DeleteConfigurationRecorder",
    "DeleteDeliveryChannel",
)
# The re-checks a flapping hold or a withdrawn exemption scheduled (deleting one would
# make a hold an off switch again).
SCHEDULE_CALLS = ("DeleteSchedule", "UpdateSchedule")
SCHEDULE_GROUP_CALLS = ("DeleteScheduleGroup",)
LOG_CALLS = ("DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy")
TABLE_CALLS = (
    "DeleteTable",
    "UpdateTable",
    "UpdateTimeToLive",
    "UpdateContinuousBackups",
    "PutResourcePolicy",
    "DeleteResourcePolicy",
)


class SelfProtection(Construct):
    """Notify when the guardrail's own resources change outside CloudFormation.

    Watched: the Lambda's code, configuration, concurrency and permissions; the
    EventBridge rules and their targets; the role's policies; the Config rules; the
    ledger table; and, by a second rule, the notification path (the topic and its
    subscriptions, its KMS key, the dead-letter queue, the alarms, the log group, the
    Config recorder). Calls made by CloudFormation (``sourceIPAddress``
    ``cloudformation.amazonaws.com``) and failed calls are not reported. The message is
    an AWS Chatbot custom notification, like the Lambda's.

    IAM is a global service whose CloudTrail events reach EventBridge in us-east-1 only:
    role changes are seen when the stack is deployed there (README: Self-protection).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function_name: str,
        role_name: str,
        table_name: str,
        recheck_group: str | None = None,
        recheck_role_name: str | None = None,
        cfn_target: Callable[[], events.IRuleTarget] | None = None,
        topic: sns.ITopic,
        prefix: str,
        key_id: str | None = None,
        queue_url: str | None = None,
        log_group_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # Every EventBridge rule and Config rule of the guardrail is named "<prefix>-...":
        # one prefix keeps the pattern far below EventBridge's default 2,048-character cap.
        ours = [{"prefix": f"{prefix}-"}]
        watched: list[dict[str, Any]] = [
            {
                "eventSource": ["lambda.amazonaws.com"],
                "eventName": [{"prefix": call} for call in LAMBDA_CALLS],
                "requestParameters": {
                    "functionName": [function_name, {"suffix": f":function:{function_name}"}]
                },
            },
            *_rule_calls(prefix),
            {
                "eventSource": ["iam.amazonaws.com"],
                "eventName": list(ROLE_CALLS),
                "requestParameters": {
                    "roleName": [role_name, *([recheck_role_name] if recheck_role_name else [])]
                },
            },
            {
                "eventSource": ["dynamodb.amazonaws.com"],
                "eventName": list(TABLE_CALLS),
                "requestParameters": {"tableName": [table_name]},
            },
            {
                "eventSource": ["config.amazonaws.com"],
                "eventName": ["PutConfigRule"],
                "requestParameters": {"configRule": {"configRuleName": ours}},
            },
            {
                "eventSource": ["config.amazonaws.com"],
                "eventName": ["DeleteConfigRule"],
                "requestParameters": {"configRuleName": ours},
            },
        ]
        services = ["lambda", "events", "iam", "dynamodb", "config"]
        self.cfn_rules: list[events.Rule] = []

        def watch(
            construct_id: str,
            name: str,
            what: str,
            services: list[str],
            calls: list[dict[str, Any]],
        ) -> events.Rule:
            """The rule for changes outside CloudFormation (to the topic) and, with a
            ``cfn_target``, its twin for CloudFormation's own calls (to the Lambda)."""
            rule = _watch(
                self,
                construct_id,
                name=name,
                what=f"{what} outside CFN",
                services=services,
                calls=calls,
                topic=topic,
            )
            if cfn_target is not None:
                self.cfn_rules.append(
                    _watch(
                        self,
                        f"Cfn{construct_id}",
                        name=f"{name}-cfn",
                        what=f"{what} by a CFN deployment",
                        services=services,
                        calls=calls,
                        target=cfn_target(),
                    )
                )
            return rule

        self.rule = watch(
            "Rule",
            f"{prefix}-self-protection",
            "the guardrail's own resources changed",
            services,
            watched,
        )
        # The notification path gets its own rule: in one pattern with the above it would
        # pass EventBridge's 2,048-character cap once the names resolve.
        delivery: list[dict[str, Any]] = [
            {
                "eventSource": ["sns.amazonaws.com"],
                "eventName": list(TOPIC_CALLS),
                "requestParameters": {"topicArn": [topic.topic_arn]},
            },
            {
                "eventSource": ["sns.amazonaws.com"],
                "eventName": list(SUBSCRIPTION_CALLS),
                "requestParameters": {"subscriptionArn": [{"prefix": f"{topic.topic_arn}:"}]},
            },
            {
                "eventSource": ["monitoring.amazonaws.com"],
                "eventName": list(ALARM_CALLS),
                "requestParameters": {"alarmNames": ours},
            },
            # Account-wide: without a recorder no Config rule evaluates anything.
            {"eventSource": ["config.amazonaws.com"], "eventName": list(RECORDER_CALLS)},
        ]
        if key_id:
            # These three calls take the key's id or ARN, never an alias.
            delivery.append(
                {
                    "eventSource": ["kms.amazonaws.com"],
                    "eventName": list(KEY_CALLS),
                    "requestParameters": {"keyId": [key_id, {"suffix": f":key/{key_id}"}]},
                }
            )
        if queue_url:
            delivery.append(
                {
                    "eventSource": ["sqs.amazonaws.com"],
                    "eventName": list(QUEUE_CALLS),
                    "requestParameters": {"queueUrl": [queue_url]},
                }
            )
        if recheck_group:
            # The re-checks that end a flapping hold or follow a withdrawn exemption.
            delivery += [
                {
                    "eventSource": ["scheduler.amazonaws.com"],
                    "eventName": list(SCHEDULE_CALLS),
                    "requestParameters": {"groupName": [recheck_group]},
                },
                {
                    "eventSource": ["scheduler.amazonaws.com"],
                    "eventName": list(SCHEDULE_GROUP_CALLS),
                    "requestParameters": {"name": [recheck_group]},
                },
            ]
        if log_group_name:
            delivery.append(
                {
                    "eventSource": ["logs.amazonaws.com"],
                    "eventName": list(LOG_CALLS),
                    "requestParameters": {"logGroupName": [log_group_name]},
                }
            )
        delivery_services = ["sns", "kms", "sqs", "cloudwatch", "config", "logs", "scheduler"]
        self.delivery_rule = watch(
            "DeliveryRule",
            f"{prefix}-self-protection-delivery",
            "the guardrail's notification path changed",
            delivery_services,
            delivery,
        )
        # The targets grant EventBridge publishing on the topic; only these rules may use it.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "ArnNotEquals": {
                        "aws:SourceArn": [self.rule.rule_arn, self.delivery_rule.rule_arn]
                    }
                },
            )
        )


def _watch(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    what: str,
    services: list[str],
    calls: list[dict[str, Any]],
    topic: sns.ITopic | None = None,
    target: events.IRuleTarget | None = None,
    event_bus: events.IEventBus | None = None,
) -> events.Rule:
    """A self-protection rule: successful ``calls`` made by anyone but CloudFormation,
    straight to the topic (not through the Lambda it protects); with ``target``, the same
    calls made by CloudFormation, to the Lambda, which tells the guardrail stack's own
    deployment from any other (:mod:`guardrails_runtime.cfn_change`)."""
    by_cfn = target is not None
    rule = events.Rule(
        scope,
        construct_id,
        rule_name=name,
        event_bus=event_bus,
        description=f"cdk-guardrails: {what}",
        event_pattern=events.EventPattern(
            source=[f"aws.{service}" for service in services],
            detail_type=["AWS API Call via CloudTrail"],
            detail={
                "errorCode": [{"exists": False}],
                "sourceIPAddress": [CLOUDFORMATION]
                if by_cfn
                else [{"anything-but": CLOUDFORMATION}],
                "$or": calls,
            },
        ),
    )
    if target is not None:
        rule.add_target(target)
    elif topic is not None:
        rule.add_target(targets.SnsTopic(topic, message=notification()))
    return rule


def member_tampering(prefix: str, role_name: str) -> list[dict[str, Any]]:
    """The calls that switch a member account's guardrail off: its forwarding and Config
    rules (``<prefix>-...``), their targets, and its member role."""
    return [
        *_rule_calls(prefix),
        {
            "eventSource": ["iam.amazonaws.com"],
            "eventName": list(ROLE_CALLS),
            "requestParameters": {"roleName": [role_name]},
        },
        {
            "eventSource": ["config.amazonaws.com"],
            "eventName": ["DeleteConfigRule"],
            "requestParameters": {"configRuleName": [{"prefix": f"{prefix}-"}]},
        },
    ]


def _rule_calls(prefix: str) -> list[dict[str, Any]]:
    """Changes to the guardrail's EventBridge rules (``<prefix>-...``) and their targets."""
    ours = [{"prefix": f"{prefix}-"}]
    return [
        {
            "eventSource": ["events.amazonaws.com"],
            "eventName": list(RULE_CALLS),
            "requestParameters": {"name": ours},
        },
        {
            "eventSource": ["events.amazonaws.com"],
            "eventName": list(TARGET_CALLS),
            "requestParameters": {"rule": ours},
        },
    ]


def notification() -> events.RuleTargetInput:
    """The self-protection message: an AWS Chatbot custom notification (input transformer)."""
    name = events.EventField.from_path("$.detail.eventName")
    actor = events.EventField.from_path("$.detail.userIdentity.arn")
    source = events.EventField.from_path("$.detail.eventSource")
    return events.RuleTargetInput.from_object(
        {
            "version": "1.0",
            "source": "custom",
            "id": events.EventField.from_path("$.id"),
            "content": {
                "textType": "client-markdown",
                "title": "[guardrails] Guardrail resource changed outside CloudFormation",
                "description": f"`{name}` ({source}) by `{actor}`",
                "nextSteps": [
                    "Check the change in CloudTrail; redeploy the guardrail stack to restore it"
                ],
                "keywords": ["self-protection", events.EventField.account],
            },
            "metadata": {
                "threadId": "guardrails/self-protection",
                "summary": f"Guardrail resource changed: {name}",
                "eventType": "self-protection",
                "additionalContext": {
                    "decision": "self-protection",
                    "eventName": name,
                    "eventSource": source,
                    "actor": actor,
                    "account": events.EventField.account,
                    "region": events.EventField.region,
                    "eventTime": events.EventField.time,
                },
            },
        }
    )
