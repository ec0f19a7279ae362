"""Shared plumbing for every guardrail in a stack: one Lambda, one topic, one DLQ, one role,
one ledger table, the alarms and the self-protection rule.

Guardrail constructs find (or create) the stack's :class:`GuardrailCore` and register
with it: their IAM grants (declared as data by the runtime remediation), their Config
rule names, and their EventBridge rules' targets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment as Ack
from aws_cdk import CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

import guardrails_runtime
from guardrails.operations import Alarms, LedgerTable, SelfProtection
from guardrails.settings import LOG_RETENTION_DAYS, GuardrailSettings
from guardrails_runtime import settings as rt
from guardrails_runtime.remediations import Remediation

CORE_ID = "GuardrailCore"
HANDLER = "guardrails_runtime.handler.handler"
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "*.egg-info", "**/.mypy_cache"]


def lambda_asset_path() -> Path:
    """The Lambda asset root: the folder that holds the ``guardrails_runtime`` package.

    In a checkout (or an editable install) that is ``lambda_src/``. From a wheel the
    package sits in site-packages, so a folder holding only a copy of it is staged
    instead (never zip all of site-packages).
    """
    package_dir = Path(guardrails_runtime.__file__).resolve().parent
    root = package_dir.parent
    if root.name == "lambda_src":
        return root
    import shutil
    import tempfile

    staged = Path(tempfile.mkdtemp(prefix="guardrails-asset-"))
    shutil.copytree(
        package_dir,
        staged / package_dir.name,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return staged


class GuardrailCore(Construct):
    """The remediation Lambda and what surrounds it; one per stack.

    Use :meth:`of` rather than constructing it: guardrails in the same stack share it.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: GuardrailSettings) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self._granted: set[str] = set()
        self._acknowledged: dict[str, list[str]] = {}

        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the guardrail findings topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Alarms (CloudWatch) and self-protection (EventBridge) publish to the encrypted
        # topic: both services need the key. No condition here, as the services' own
        # documentation gives it: SNS makes the KMS calls on their behalf, and the topic
        # policy is what limits who may publish.
        publishers = [
            iam.ServicePrincipal("cloudwatch.amazonaws.com"),
            iam.ServicePrincipal("events.amazonaws.com"),
        ]
        stack = Stack.of(self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=list(publishers),
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(
            self,
            "Findings",
            display_name="Guardrail findings",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        self._subscribe(settings)

        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        Validations.of(self.dead_letters).acknowledge(
            Ack(
                id="AwsSolutions::AwsSolutions-SQS3",
                reason="This queue is itself the dead-letter queue of the Lambda and its rules.",
            )
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=_retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "RemediationRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="cdk-guardrails remediation Lambda: only the actions remediations declare",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.key.key_arn],
            )
        )

        self.ledger = LedgerTable(self, "Ledger").table
        # The handler reads (dedup, flapping), writes entries and holds, and queries a
        # resource's recent entries; never updates or deletes (undo is the CLI's, with
        # the operator's credentials).
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                resources=[self.ledger.table_arn, f"{self.ledger.table_arn}/index/*"],
            )
        )
        Validations.of(self.role).acknowledge(
            Ack(
                id=f"AwsSolutions::AwsSolutions-IAM5[Resource::<{_logical_id(self.ledger)}.Arn>"
                "/index/*]",
                reason="Query on the ledger's own indexes (byResource, byDay) only: "
                "index ARNs are the table ARN plus /index/<name>.",
            )
        )

        environment = settings.runtime_environment()
        environment[rt.ENV_TOPIC_ARN] = self.topic.topic_arn
        environment[rt.ENV_ROLE_ARN] = self.role.role_arn
        environment[rt.ENV_LEDGER_TABLE] = self.ledger.table_name
        environment[rt.ENV_LEDGER_REGION] = stack.region
        function_name = f"{settings.resource_prefix}-remediator"
        self.function = lambda_.Function(
            self,
            "Remediator",
            description="cdk-guardrails: reverts or reports insecure changes",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            function_name=function_name,
            code=lambda_.Code.from_asset(str(lambda_asset_path()), exclude=ASSET_EXCLUDES),
            role=self.role,
            timeout=Duration.seconds(settings.timeout_seconds),
            memory_size=256,
            environment=environment,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            reserved_concurrent_executions=settings.reserved_concurrency or None,
        )
        # Errors a retry could fix are raised by the handler: Lambda retries twice, then
        # the event lands in the dead-letter queue instead of being lost.
        self.function.configure_async_invoke(
            max_event_age=Duration.hours(6),
            retry_attempts=2,
            on_failure=destinations.SqsDestination(self.dead_letters),
        )
        self.rules: list[events.Rule] = []
        if settings.alarms:
            self.alarms: Alarms | None = Alarms(
                self,
                "Alarms",
                function=self.function,
                dead_letters=self.dead_letters,
                topic=self.topic,
                namespace=settings.metrics_namespace,
                policies=settings.policies,
                dashboard=settings.dashboard,
            )
        else:
            self.alarms = None
        if settings.self_protection:
            self.self_protection: SelfProtection | None = SelfProtection(
                self,
                "SelfProtection",
                function_name=function_name,
                role_name=self.role.role_name,
                table_name=self.ledger.table_name,
                topic=self.topic,
                prefix=settings.resource_prefix,
            )
        else:
            self.self_protection = None
        self.ledger_output = CfnOutput(
            self,
            "LedgerTableName",
            value=self.ledger.table_name,
            description="guardrails history/undo --table (or GUARDRAILS_LEDGER_TABLE)",
        )

    def _subscribe(self, settings: GuardrailSettings) -> None:
        """E-mail, HTTPS (PagerDuty, webhooks) and an AWS Chatbot Slack channel.

        People and pagers get every message except ``compliant`` decisions; messages
        without a ``decision`` attribute (alarms, self-protection) always pass.
        """
        not_compliant = {
            # (exists:false first: moto stops at the first condition that needs the key)
            "decision": sns.SubscriptionFilter([{"exists": False}, {"anything-but": ["compliant"]}])
        }
        for email in settings.notification_emails:
            self.topic.add_subscription(subs.EmailSubscription(email, filter_policy=not_compliant))
        for url in settings.notification_https_urls:
            self.topic.add_subscription(
                subs.UrlSubscription(
                    url, protocol=sns.SubscriptionProtocol.HTTPS, filter_policy=not_compliant
                )
            )
        if settings.chatbot_slack:
            workspace, channel = settings.chatbot_slack
            slack = chatbot.SlackChannelConfiguration(
                self,
                "Slack",
                slack_channel_configuration_name=f"{settings.resource_prefix}-findings",
                slack_workspace_id=workspace,
                slack_channel_id=channel,
                notification_topics=[self.topic],
                guardrail_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess")
                ],
                logging_level=chatbot.LoggingLevel.ERROR,
            )
            Validations.of(slack).acknowledge(
                Ack(
                    id="AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:"
                    "policy/ReadOnlyAccess]",
                    reason="A channel guardrail policy caps what chat users may run: "
                    "read-only. The channel role itself has no permissions.",
                )
            )

    @classmethod
    def of(cls, scope: Construct, settings: GuardrailSettings | None = None) -> GuardrailCore:
        """The stack's core, created on first use with ``settings`` (or the defaults)."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(CORE_ID)
        if isinstance(existing, GuardrailCore):
            return existing
        return cls(stack, CORE_ID, settings=settings or GuardrailSettings())

    def grant(self, remediation: Remediation) -> None:
        """Add the IAM actions a remediation declares, once per remediation."""
        if remediation.policy in self._granted:
            return
        self._granted.add(remediation.policy)
        stack = Stack.of(self)
        values = {"partition": stack.partition, "region": stack.region, "account": stack.account}
        # cdk-nag names unresolved pseudo parameters as <AWS::Partition> in finding ids.
        shown = {
            k: f"<AWS::{'AccountId' if k == 'account' else k.capitalize()}>"
            if Token.is_unresolved(v)
            else v
            for k, v in values.items()
        }
        for grant in remediation.iam:
            resource = grant.resource.format(**values)
            self.role.add_to_principal_policy(
                iam.PolicyStatement(actions=list(grant.actions), resources=[resource])
            )
            if "*" in grant.resource:
                # Each wildcard is acknowledged on its own, with the remediation's reason.
                finding = (
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{grant.resource.format(**shown)}]"
                )
                # Several remediations may need the same wildcard: the latest
                # acknowledgement of an id wins, so it carries every reason.
                reasons = self._acknowledged.setdefault(finding, [])
                reasons.append(f"{', '.join(grant.actions)}: {grant.why}")
                Validations.of(self.role).acknowledge(Ack(id=finding, reason="; ".join(reasons)))

    def target(self) -> targets.LambdaFunction:
        """The EventBridge target: the Lambda, with retries and the dead-letter queue."""
        return targets.LambdaFunction(
            self.function,
            dead_letter_queue=self.dead_letters,
            retry_attempts=8,
            max_event_age=Duration.hours(6),
        )

    def route(
        self,
        scope: Construct,
        construct_id: str,
        pattern: events.EventPattern,
        description: str,
        name: str,
    ) -> events.Rule:
        """An EventBridge rule ``<resourcePrefix>-<name>`` from ``pattern`` to the Lambda.

        The prefix is what self-protection watches; names longer than EventBridge's 64
        characters are cut before their last part.
        """
        full = f"{self.settings.resource_prefix}-{name}"
        if len(full) > 64:
            head, _, tail = full.rpartition("-")
            full = f"{head[: 63 - len(tail)]}-{tail}"
        rule = events.Rule(
            scope, construct_id, rule_name=full, event_pattern=pattern, description=description
        )
        rule.add_target(self.target())
        self.rules.append(rule)
        return rule


def _logical_id(construct: Construct) -> str:
    """The CloudFormation logical id of an L2's default child, as cdk-nag names it."""
    child = construct.node.default_child
    assert isinstance(child, CfnElement)
    return str(Stack.of(construct).resolve(child.logical_id))


def _retention(days: int) -> logs.RetentionDays:
    """Days -> enum member; the enum lists the finite periods in ascending order, then INFINITE."""
    finite = [m for m in logs.RetentionDays if m is not logs.RetentionDays.INFINITE]
    return dict(zip(LOG_RETENTION_DAYS, finite, strict=True))[days]


def event_source_name(service_host: str) -> str:
    """``ec2.amazonaws.com`` -> ``aws.ec2``, the EventBridge ``source`` of its CloudTrail events."""
    return "aws." + service_host.split(".", 1)[0]


def cloudtrail_pattern(remediation: Remediation) -> events.EventPattern:
    """Successful CloudTrail calls that a remediation reacts to.

    ``errorCode`` must be absent: failed calls changed nothing (the handler checks again).
    """
    detail: dict[str, Any] = {
        "eventSource": [remediation.event_source],
        "eventName": list(remediation.event_names),
        "errorCode": [{"exists": False}],
    }
    return events.EventPattern(
        source=[event_source_name(remediation.event_source)],
        detail_type=["AWS API Call via CloudTrail"],
        detail=detail,
    )


def compliance_pattern(rule_names: list[str]) -> events.EventPattern:
    """NON_COMPLIANT evaluations of the given Config rules."""
    return events.EventPattern(
        source=["aws.config"],
        detail_type=["Config Rules Compliance Change"],
        detail={
            "configRuleName": rule_names,
            "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
        },
    )
