"""Shared plumbing for every guardrail in a stack: one Lambda, one topic, one DLQ, one role,
one ledger table, the alarms and the self-protection rule.

Guardrail constructs find (or create) the stack's :class:`GuardrailCore` and register
with it: their IAM grants (declared as data by the runtime remediation), their Config
rule names, and their EventBridge rules' targets.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Acknowledgment as Ack
from aws_cdk import (
    Aws,
    CfnElement,
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
    Stage,
    Token,
    Validations,
)
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct, IValidation

import guardrails_runtime
from guardrails.operations import Alarms, LedgerTable, SelfProtection
from guardrails.settings import LOG_RETENTION_DAYS, GuardrailSettings
from guardrails_runtime import settings as rt
from guardrails_runtime.ledger import HOLD_PREFIX
from guardrails_runtime.remediations import Remediation

CORE_ID = "GuardrailCore"
# Stack output holding the ledger table name (``guardrails history --table``).
LEDGER_OUTPUT = "LedgerTableName"
HANDLER = "guardrails_runtime.handler.handler"


def without_docstrings(source: str) -> str:
    """Python source with its docstrings, comments and function annotations removed, same
    code otherwise (the Lambda runs it; every module starts with ``from __future__ import
    annotations``, so annotations are never evaluated there; the documentation and the
    types stay in the package and the docs). Class-level annotations stay: they declare the
    fields of NamedTuples and dataclasses."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
            arguments = node.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
                arg.annotation = None
            for star in (arguments.vararg, arguments.kwarg):
                if star is not None:
                    star.annotation = None
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                # A module may be empty; a class or function body may not.
                empty: list[ast.stmt] = [] if isinstance(node, ast.Module) else [ast.Pass()]
                node.body = node.body[1:] or empty
    return ast.unparse(tree) + "\n"


# Keyword arguments of the specs that only document (docs pages, RULES.md, the constructs'
# docstrings, the IAM grants' reasons): the Lambda reads ids, triggers, fixes and undo
# calls, never these texts, so the asset carries them empty.
SPEC_TEXT = frozenset(
    {"title", "summary", "info", "explanation", "fix", "docs", "construct_doc", "why"}
)


def without_spec_text(source: str) -> str:
    """A spec module with the string values of its documenting keywords (``SPEC_TEXT``)
    emptied; every other value, and every non-string ``fix=`` (the Fix itself), stays."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.keyword)
            and node.arg in SPEC_TEXT
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            node.value = ast.Constant("")
    return without_docstrings(ast.unparse(tree))


# The policies and the resource adapters (most of the modules, and what grows with the
# catalog) travel in one uncompressed archive inside the asset: CDK's zip then compresses
# them as one stream (about 40% smaller than one deflated entry per module, each with its
# own headers), and Python imports from it (zipimport). The modules every cold start
# imports stay plain files: zipimport would add about 8% to the handler's import.
ARCHIVE = "guardrails_runtime.zip"
ARCHIVED = ("policies", "adapters")
# Fixed entry times: the archive's bytes, and so the asset hash CDK computes, change only
# when the code does (no redeploy on every synth).
_EPOCH = (1980, 1, 1, 0, 0, 0)
FUTURE = "from __future__ import annotations\n"


def _shim(package: str) -> str:
    """The line that adds a package's folder in the archive to its ``__path__``."""
    up = "_os.path.dirname(" * 3 + "__file__" + ")" * 3
    return f"import os as _os\n__path__.append(_os.path.join({up}, {ARCHIVE!r}, {package!r}))\n"


def stage_runtime(dest: Path) -> Path:
    """Write the Lambda asset into ``dest`` and return it: the runtime package without byte
    code, emulator hooks and template readers, each module without docstrings and comments;
    the modules of :data:`ARCHIVED` packages in :data:`ARCHIVE` (their ``__init__`` stays a
    file that adds the archive to the package's path). The same function builds the asset
    for synth, the tests and the bench."""
    package_dir = Path(guardrails_runtime.__file__).resolve().parent
    name = package_dir.name
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest / ARCHIVE, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(package_dir.rglob("*")):
            relative = path.relative_to(package_dir)
            if not path.is_file() or _excluded(relative):
                continue
            text = _stripped(str(path), path.stat().st_mtime_ns) if path.suffix == ".py" else None
            data = path.read_bytes() if text is None else text.encode()
            package = relative.parts[0] if len(relative.parts) > 1 else ""
            if package in ARCHIVED and relative != Path(package, "__init__.py"):
                info = zipfile.ZipInfo(f"{name}/{relative.as_posix()}", date_time=_EPOCH)
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
                continue
            if package in ARCHIVED:  # the package's own __init__, with the shim
                own = (text or "").replace(FUTURE, "")
                data = (FUTURE + _shim(f"{name}/{package}") + own).encode()
            target = dest / name / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return dest


@functools.lru_cache(maxsize=512)
def _stripped(path: str, mtime_ns: int) -> str:
    """A module's stripped text, parsed once per process and version of the file (a test
    run or an app synthesizes several stacks with the guardrail)."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).name == "spec.py" and Path(path).parent.parent.name == "policies":
        return without_spec_text(text)
    return without_docstrings(text)


def _excluded(relative: Path) -> bool:
    parts = relative.parts
    return (
        "__pycache__" in parts
        or ".mypy_cache" in parts
        or relative.suffix == ".pyc"
        or relative.name == "emulate.py"
        or "/".join(parts[:2]) == "adapters/templates"
    )


@contextmanager
def runtime_asset(scope: Construct) -> Iterator[Path]:
    """The folder to build the Lambda asset from, valid inside the ``with`` block: a staged
    copy of the runtime package (:func:`stage_runtime`).

    The copy goes to a temporary folder removed on exit: CDK copies the asset into
    ``cdk.out`` when the function is built, so nothing is left behind on each synth. Where
    asset staging is disabled (``aws:cdk:disable-asset-staging``, as SAM sets it), the
    template points at the folder itself, so the copy goes to a stable folder named after
    the runtime's content hash and is kept.
    """
    package_dir = Path(guardrails_runtime.__file__).resolve().parent
    if scope.node.try_get_context("aws:cdk:disable-asset-staging"):
        digest = hashlib.sha256()
        for path in sorted(package_dir.rglob("*.py*")):
            relative = path.relative_to(package_dir)
            if not _excluded(relative):
                digest.update(relative.as_posix().encode())
                digest.update(path.read_bytes())
        stable = Path(tempfile.gettempdir()) / f"cdk-guardrails-asset-{digest.hexdigest()[:16]}"
        if not (stable / package_dir.name).is_dir():
            partial = stage_runtime(Path(tempfile.mkdtemp(prefix="cdk-guardrails-asset-")))
            try:
                partial.rename(stable)
            except OSError:  # another synth staged the same content first
                shutil.rmtree(partial, ignore_errors=True)
        yield stable
        return
    with tempfile.TemporaryDirectory(prefix="cdk-guardrails-asset-") as staged:
        yield stage_runtime(Path(staged))


class GuardrailCore(Construct):
    """The remediation Lambda and what surrounds it; one per stack.

    Use :meth:`of` rather than constructing it: guardrails in the same stack share it.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: GuardrailSettings) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        # The construct whose settings the core was built with (named in conflicts).
        self.owner = self.node.path
        self.node.add_validation(_UniqueNames(self))
        self._granted: set[str] = set()
        # CloudTrail calls (source, name) some guardrail's rule already sends to the Lambda.
        self._routed: set[tuple[str, str]] = set()
        # The one rule that sends every routed Config rule's NON_COMPLIANT changes.
        self.compliance_rule: events.Rule | None = None
        self._acknowledged: dict[str, list[str]] = {}

        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the guardrail findings topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Alarms (CloudWatch) and self-protection (EventBridge) publish to the encrypted
        # topic: both services need the key (SNS makes the KMS calls on their behalf).
        # CloudWatch's use is limited to this account (aws:SourceAccount, as on the topic
        # policy; no source ARN: that CloudWatch passes one through SNS to KMS is not
        # documented, and a wrong guess would silence every alarm). EventBridge's statement is
        # the one aws-events-targets' SnsTopic adds for an encrypted topic (one is enough:
        # no duplicate here); it carries no source condition, since the SNS developer
        # guide says aws:SourceAccount and aws:SourceArn in a KMS key policy are not
        # supported for EventBridge-to-encrypted-topic delivery (every delivery would
        # fail). The topic policy fences who may publish through EventBridge instead.
        stack = Stack.of(self)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsOfThisAccountPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
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
        # The handler reads (dedup, flapping), writes entries, and queries a resource's
        # recent entries; it updates hold items only (one per resource, a hold per
        # violation) and never deletes (undo is the CLI's, with the operator's credentials).
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                resources=[self.ledger.table_arn, f"{self.ledger.table_arn}/index/*"],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"],
                resources=[self.ledger.table_arn],
                conditions={
                    "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{HOLD_PREFIX}*"]}
                },
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
        self._rechecks(settings, function_name, environment)
        with runtime_asset(self) as asset_root:
            code = lambda_.Code.from_asset(str(asset_root))
            self.function = lambda_.Function(
                self,
                "Remediator",
                description="cdk-guardrails: reverts or reports insecure changes",
                runtime=lambda_.Runtime.PYTHON_3_14,
                architecture=lambda_.Architecture.ARM_64,
                handler=HANDLER,
                function_name=function_name,
                code=code,
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
        self.recheck_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.function.function_arn]
            )
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
                prefix=settings.resource_prefix,
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
                recheck_group=self.recheck_group.name,
                recheck_role_name=self.recheck_role.role_name,
                topic=self.topic,
                prefix=settings.resource_prefix,
                key_id=self.key.key_id,
                queue_url=self.dead_letters.queue_url,
                log_group_name=self.log_group.log_group_name,
                cfn_target=self._cfn_target,
            )
            # Only the guardrail stack's own deployment may change its resources unseen:
            # the Lambda reads the stack's last operation to tell (cfn_change).
            self.function.add_environment(rt.ENV_STACK_ID, Aws.STACK_ID)
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents"],
                    resources=[Aws.STACK_ID],
                )
            )
            self._heartbeat(settings)
        else:
            self.self_protection = None
        self.ledger_output = CfnOutput(
            self,
            "LedgerTableName",
            value=self.ledger.table_name,
            description="guardrails history/undo --table (or GUARDRAILS_LEDGER_TABLE)",
        )
        # One core per stack: the output keeps the name the docs use, not a hashed one.
        self.ledger_output.override_logical_id(LEDGER_OUTPUT)

    def _rechecks(
        self, settings: GuardrailSettings, function_name: str, environment: dict[str, str]
    ) -> None:
        """The Scheduler group of the one-time re-checks (a flapping hold's end, a withdrawn
        exemption) and the role Scheduler invokes the function with; the Lambda may create
        schedules in that group only, and pass that role only to Scheduler."""
        stack = Stack.of(self)
        group_name = f"{settings.resource_prefix}-rechecks"
        self.recheck_group = scheduler.CfnScheduleGroup(self, "Rechecks", name=group_name)
        self.recheck_role = iam.Role(
            self,
            "RecheckRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="cdk-guardrails: EventBridge Scheduler invokes the re-checks",
        )
        schedules = (
            f"arn:{stack.partition}:scheduler:{stack.region}:{stack.account}:schedule/"
            f"{group_name}/*"
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["scheduler:CreateSchedule"], resources=[schedules])
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.recheck_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            )
        )
        self._acknowledge_wildcard(
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{_as_cdk_nag_shows(schedules)}]",
            "scheduler:CreateSchedule in the guardrail's own re-check group only (schedule "
            "names are made per re-check)",
        )
        environment[rt.ENV_RECHECK_GROUP] = group_name
        environment[rt.ENV_RECHECK_ROLE_ARN] = self.recheck_role.role_arn

    def _cfn_target(self) -> events.IRuleTarget:
        """The Lambda, given the CloudTrail record of a change CloudFormation made."""
        return targets.LambdaFunction(
            self.function,
            event=events.RuleTargetInput.from_object(
                {"guardrailsCfnChange": events.EventField.from_path("$.detail")}
            ),
            dead_letter_queue=self.dead_letters,
            retry_attempts=8,
            max_event_age=Duration.hours(6),
        )

    def _heartbeat(self, settings: GuardrailSettings) -> None:
        """An hourly event the Lambda must receive: it checks that every rule of the
        guardrail is enabled and has a target (notified when not) and counts a beat; an
        alarm on missing beats notices what cannot report itself (a disabled heartbeat or
        self-protection rule, a removed target, a Lambda that no longer runs)."""
        prefix = settings.resource_prefix
        self.heartbeat = events.Rule(
            self,
            "Heartbeat",
            rule_name=f"{prefix}-heartbeat",
            schedule=events.Schedule.rate(Duration.hours(1)),
            description="cdk-guardrails: hourly heartbeat, checks the guardrail's rules",
        )
        required = [
            f"{prefix}-self-protection{suffix}"
            for suffix in ("", "-delivery", "-cfn", "-delivery-cfn")
        ]
        self._beat_on("default", required)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["events:ListRules"], resources=["*"])
        )
        self._acknowledge_wildcard(
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            "events:ListRules: no resource-level permissions (the heartbeat lists the "
            "guardrail's rules by name prefix)",
        )
        if settings.alarms and settings.metrics_namespace:
            missing = cloudwatch.Alarm(
                self,
                "HeartbeatMissing",
                alarm_name=f"{prefix}-HeartbeatMissing",
                metric=cloudwatch.Metric(
                    namespace=settings.metrics_namespace,
                    metric_name="Heartbeat",
                    dimensions_map={"Policy": "none"},
                    period=Duration.hours(1),
                    statistic="Sum",
                ),
                threshold=1,
                evaluation_periods=2,
                comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
                alarm_description="cdk-guardrails: no heartbeat for two hours (the "
                "heartbeat rule, its target or the Lambda is switched off)",
            )
            missing.add_alarm_action(cw_actions.SnsAction(self.topic))

    def watch_bus(self, bus_name: str, required: list[str]) -> None:
        """The heartbeat also checks the guardrail's rules on the bus ``bus_name`` (named
        by the prefix; ``required`` must exist there): another target of the heartbeat
        rule, so one beat invokes the Lambda once per bus. Nothing when self-protection is
        off."""
        if self.self_protection is not None:
            self._beat_on(bus_name, required)

    def _beat_on(self, bus_name: str, required: list[str]) -> None:
        prefix = self.settings.resource_prefix
        body: dict[str, Any] = {"rulePrefix": prefix, "required": required}
        if bus_name != "default":
            body["eventBus"] = bus_name
        self.heartbeat.add_target(
            targets.LambdaFunction(
                self.function,
                event=events.RuleTargetInput.from_object({"guardrailsHeartbeat": body}),
                dead_letter_queue=self.dead_letters,
                retry_attempts=2,
            )
        )
        stack = Stack.of(self)
        # A rule on a custom bus is named rule/<bus>/<rule> in its ARN.
        on_bus = "" if bus_name == "default" else f"{bus_name}/"
        rules = (
            f"arn:{stack.partition}:events:{stack.region}:{stack.account}:rule/{on_bus}{prefix}-*"
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["events:ListTargetsByRule"], resources=[rules])
        )
        self._acknowledge_wildcard(
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{_as_cdk_nag_shows(rules)}]",
            "events:ListTargetsByRule on the guardrail's own rules (named by its prefix)",
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
        """The stack's core, created on first use with ``settings`` (or the defaults).

        Every guardrail of a stack shares one core, so they must share its settings: a
        later guardrail given different settings fails synthesis with an error naming
        both construct paths and the differing fields (never silently dropped: a dry-run
        setting must not become auto-remediation). ``settings=None`` joins the core as
        it is.
        """
        if settings is not None:
            GuardrailSettings.require(settings, f"{scope.node.path}: settings=")
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(CORE_ID)
        if isinstance(existing, GuardrailCore):
            if settings is not None and settings != existing.settings:
                fields = ", ".join(settings.differences(existing.settings))
                scope.node.add_validation(
                    _Invalid(
                        f"{scope.node.path} was given settings that differ from those of "
                        f"{existing.owner} in {fields}; every guardrail of a stack shares one "
                        "Lambda and one settings object: pass the same GuardrailSettings to "
                        "each, or settings=None to join the first"
                    )
                )
            return existing
        core = cls(stack, CORE_ID, settings=settings or GuardrailSettings())
        core.owner = scope.node.path
        return core

    def route_compliance(self, rule_names: list[str]) -> events.Rule:
        """Send these Config rules' NON_COMPLIANT evaluations to the Lambda, through one rule
        for every guardrail of the core (``<resourcePrefix>-config``): each rule that
        invokes the function adds a statement to its resource-based policy, which Lambda
        caps at 20 KB (``bench/quotas.py``)."""
        if self.compliance_rule is None:
            self.compliance_rule = self.route(
                self,
                "OnNonCompliant",
                compliance_pattern(sorted(rule_names)),
                description="Config NON_COMPLIANT evaluations of the guardrails' rules",
                name="config",
            )
        else:  # CDK unions the arrays of the patterns
            self.compliance_rule.add_event_pattern(detail={"configRuleName": sorted(rule_names)})
        return self.compliance_rule

    def claim(self, remediation: Remediation) -> set[str]:
        """The event names of ``remediation`` that no rule of this core routes yet (now
        claimed). An event two policies judge is routed once: the Lambda hands it to every
        deployed policy that lists it."""
        return claim(self._routed, remediation)

    def grant(self, remediation: Remediation) -> None:
        """Add the IAM actions a remediation declares, once per remediation."""
        if remediation.policy in self._granted:
            return
        self._granted.add(remediation.policy)
        # The policies whose guardrails joined this core: an event several policies judge
        # goes to each of these.
        self.function.add_environment(rt.ENV_POLICIES, ",".join(sorted(self._granted)))
        for statement, finding, reason in grant_statements(remediation, Stack.of(self)):
            self.role.add_to_principal_policy(statement)
            if finding:
                self._acknowledge_wildcard(finding, reason)

    def _acknowledge_wildcard(self, finding: str, reason: str) -> None:
        """Acknowledge one wildcard finding on the role. Several grants may need the same
        wildcard: the latest acknowledgement of an id wins, so it carries every reason."""
        reasons = self._acknowledged.setdefault(finding, [])
        reasons.append(reason)
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


@jsii.implements(IValidation)
class _Invalid:
    """A synthesis error with a fixed message, reported at the construct it is added to."""

    def __init__(self, message: str) -> None:
        self.message = message

    def validate(self) -> list[str]:
        return [self.message]


@jsii.implements(IValidation)
class _UniqueNames:
    """Two guardrail cores that would deploy the same physical names fail synthesis.

    The Lambda, rules, Config rules and alarms are named ``<resourcePrefix>-...``: two
    cores with one prefix in one account and region (or in an environment-agnostic stack,
    which may deploy anywhere) would collide at deploy time, and so would two stacks of
    one name. Only the later core of a pair reports, naming the earlier one.
    """

    def __init__(self, core: GuardrailCore) -> None:
        self.core = core

    def validate(self) -> list[str]:
        cores = list(_cores(self.core.node.root))
        mine = next(i for i, c in enumerate(cores) if c is self.core)
        errors = []
        for other in cores[:mine]:
            if not _same_environment(Stack.of(self.core), Stack.of(other)):
                continue
            prefix, other_prefix = (
                self.core.settings.resource_prefix,
                other.settings.resource_prefix,
            )
            name, other_name = Stack.of(self.core).stack_name, Stack.of(other).stack_name
            if prefix == other_prefix:
                errors.append(
                    f"{self.core.node.path} and {other.node.path} both use resource_prefix "
                    f"{prefix!r} in the same account and region, so their Lambda, rules and "
                    "Config rules would share physical names: set a distinct resource_prefix "
                    "(guardrails:resourcePrefix) for each"
                )
            elif name == other_name:
                errors.append(
                    f"{self.core.node.path} and {other.node.path} are in stacks both named "
                    f"{name!r} in the same account and region: set a distinct stack_name"
                )
        return errors


def _cores(scope: IConstruct) -> Iterator[GuardrailCore]:
    """Every GuardrailCore of an app, stages and nested stacks included, in tree order."""
    for child in scope.node.children:
        if isinstance(child, GuardrailCore):
            yield child
        elif Stack.is_stack(child) or Stage.is_stage(child):
            yield from _cores(child)


def _same_environment(a: Stack, b: Stack) -> bool:
    """True when two stacks may deploy to one account and region (unresolved: maybe)."""

    def same(x: str, y: str) -> bool:
        return Token.is_unresolved(x) or Token.is_unresolved(y) or x == y

    return same(a.account, b.account) and same(a.region, b.region)


def _logical_id(construct: Construct) -> str:
    """The CloudFormation logical id of an L2's default child, as cdk-nag names it."""
    child = construct.node.default_child
    assert isinstance(child, CfnElement)
    return str(Stack.of(construct).resolve(child.logical_id))


def _retention(days: int) -> logs.RetentionDays:
    """Days -> enum member; the enum lists the finite periods in ascending order, then INFINITE."""
    finite = [m for m in logs.RetentionDays if m is not logs.RetentionDays.INFINITE]
    return dict(zip(LOG_RETENTION_DAYS, finite, strict=True))[days]


def claim(routed: set[tuple[str, str]], remediation: Remediation) -> set[str]:
    """The event names of ``remediation`` not in ``routed`` yet ((source, name) pairs that
    some rule already sends on), which are added to it."""
    fresh = {
        name
        for trigger in remediation.spec.triggers
        for name in trigger.event_names
        if (trigger.event_source, name) not in routed
    }
    routed |= {(t.event_source, n) for t in remediation.spec.triggers for n in t.event_names}
    return fresh


def grant_statements(
    remediation: Remediation, stack: Stack, *, region: str | None = None
) -> list[tuple[iam.PolicyStatement, str, str]]:
    """The IAM statements of a remediation's declared grants in ``stack``'s account, each
    with the cdk-nag finding id of its wildcard ('' for none) and the reason to acknowledge
    it with. ``region``: the region in the ARNs (default the stack's; ``*`` for a role
    that acts in every region, as an organization's member role does)."""
    values = {
        "partition": stack.partition,
        "region": stack.region if region is None else region,
        "account": stack.account,
    }
    # cdk-nag names unresolved pseudo parameters as <AWS::Partition> in finding ids.
    shown = {
        k: f"<AWS::{'AccountId' if k == 'account' else k.capitalize()}>"
        if Token.is_unresolved(v)
        else v
        for k, v in values.items()
    }
    out = []
    for grant in remediation.iam:
        # An ARN without an account (S3 buckets: arn:aws:s3:::*) matches resources of
        # every account; the role may act on this account's only, whatever another
        # account's bucket policy allows it.
        unscoped = "{account}" not in grant.resource and grant.resource != "*"
        resource = grant.resource.format(**values)
        statement = iam.PolicyStatement(
            actions=list(grant.actions),
            resources=[resource],
            conditions={"StringEquals": {"aws:ResourceAccount": stack.account}}
            if unscoped
            else None,
        )
        # Each wildcard is acknowledged on its own, with the remediation's reason.
        finding = (
            f"AwsSolutions::AwsSolutions-IAM5[Resource::{grant.resource.format(**shown)}]"
            if "*" in resource
            else ""
        )
        out.append((statement, finding, f"{', '.join(grant.actions)}: {grant.why}"))
    return out


def event_source_name(service_host: str) -> str:
    """``ec2.amazonaws.com`` -> ``aws.ec2``, the EventBridge ``source`` of its CloudTrail events."""
    return "aws." + service_host.split(".", 1)[0]


def cloudtrail_patterns(
    remediation: Remediation, exemption_tag_key: str, only: set[str] | None = None
) -> list[tuple[str, events.EventPattern]]:
    """Successful CloudTrail calls that a remediation reacts to, as ``(suffix, pattern)``.

    ``errorCode`` must be absent: failed calls changed nothing (the handler checks again).
    One pattern for every trigger (suffix ``""``), unless a trigger names where its tag
    keys are (``Trigger.tag_keys``): then one pattern per trigger, passing only calls that
    name the exemption tag key, in any case (suffix: the service). ``only``: the event
    names to route (another guardrail's rule may already route the rest).
    """
    triggers = [
        t._replace(event_names=tuple(n for n in t.event_names if only is None or n in only))
        for t in remediation.spec.triggers
    ]
    triggers = [t for t in triggers if t.event_names]
    if not triggers:
        return []
    if not any(t.tag_keys for t in triggers):
        detail: dict[str, Any] = {
            "eventSource": sorted({t.event_source for t in triggers}),
            "eventName": [n for t in triggers for n in t.event_names],
            "errorCode": [{"exists": False}],
        }
        return [("", _api_call_pattern(sorted({t.event_source for t in triggers}), detail))]
    out = []
    for trigger in triggers:
        detail = {
            "eventSource": [trigger.event_source],
            "eventName": list(trigger.event_names),
            "errorCode": [{"exists": False}],
        }
        if trigger.tag_keys:
            node = detail
            *parents, leaf = trigger.tag_keys.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = [{"equals-ignore-case": exemption_tag_key}]
        out.append(
            (
                trigger.event_source.split(".", 1)[0],
                _api_call_pattern([trigger.event_source], detail),
            )
        )
    return out


def _api_call_pattern(sources: list[str], detail: dict[str, Any]) -> events.EventPattern:
    return events.EventPattern(
        source=[event_source_name(s) for s in sources],
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


def _as_cdk_nag_shows(arn: str) -> str:
    """An ARN built from the stack's pseudo parameters, as cdk-nag names it in a finding
    id (``<AWS::Partition>`` ... for the unresolved ones)."""
    for pseudo in ("Partition", "Region", "AccountId"):
        token = getattr(Aws, pseudo.upper() if pseudo != "AccountId" else "ACCOUNT_ID")
        arn = arn.replace(token, f"<AWS::{pseudo}>")
    return arn
