"""Spec of ``cloudtrail-enabled``: trails keep logging, with log file validation."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "cloudtrail-enabled"

IAM = (
    IamGrant(
        (
            "cloudtrail:GetTrailStatus",
            "cloudtrail:StartLogging",
            "cloudtrail:ListTags",
            "cloudtrail:GetEventSelectors",
        ),
        "arn:{partition}:cloudtrail:{region}:{account}:trail/*",
        "re-read and restart any trail of this account/region",
    ),
    IamGrant(
        ("cloudtrail:DescribeTrails",),
        "*",
        "DescribeTrails supports no resource-level permissions",
    ),
)

SPEC = PolicySpec(
    id=POLICY,
    title="CloudTrail keeps logging",
    summary="Trails keep logging, with log file validation; a stopped trail is restarted, a "
    "deleted or weakened one is notified.",
    rules=(
        RuleInfo(
            id="GR-CT1",
            policy=POLICY,
            level="error",
            info="CloudTrail trail is not logging, or does not validate its log files.",
            explanation=(
                "Without a logging trail nobody can tell who changed what; without log file "
                "validation an attacker can edit the record unnoticed."
            ),
            fix="Set IsLogging: true and EnableLogFileValidation: true (Terraform: "
            "enable_logging = true, enable_log_file_validation = true).",
        ),
        RuleInfo(
            id="GR-CT2",
            policy=POLICY,
            level="warning",
            info="CloudTrail settings could not be evaluated: a value is unresolved.",
            explanation="Logging or validation depends on a value known only at deploy time.",
            fix="Use literal true values, or parameters with defaults.",
        ),
        RuleInfo(
            id="GR-CT3",
            policy=POLICY,
            level="error",
            info="CloudTrail trail was changed to record one region only, or to drop "
            "management events.",
            explanation=(
                "A trail narrowed after the fact stops recording what an attacker does in "
                "the other regions or through the control plane; judged on the change (react "
                "plane), since a narrow trail can be a deliberate design when declared."
            ),
            fix="Set IsMultiRegionTrail back to true and record management events "
            "(IncludeManagementEvents, or an advanced selector on eventCategory Management).",
            planes=("react",),
        ),
    ),
    options=(),
    kinds=("trail",),
    cloudformation_types=("AWS::CloudTrail::Trail",),
    terraform_types=("aws_cloudtrail",),
    triggers=(
        Trigger(
            "cloudtrail.amazonaws.com",
            ("StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"),
        ),
    ),
    config_rules=(
        ConfigRule(
            "CLOUD_TRAIL_ENABLED",
            "cloudtrail-enabled",
            "a trail is logging in this account (reported only)",
            route=False,
        ),
        ConfigRule(
            "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
            "cloudtrail-log-file-validation",
            "trails validate their log files (reported only)",
            scope=("AWS::CloudTrail::Trail",),
            route=False,
        ),
    ),
    fix=Fix(
        "CloudTrailRemediation",
        iam=IAM,
        undo=(
            Undo("cloudtrail", "stop_logging", "Name", read="get_trail_status", path="IsLogging"),
        ),
        tagged="cloudtrail",
    ),
    construct="CloudTrailGuardrail",
    construct_doc="""Restarts a trail that was stopped; reports trails deleted or weakened.

    * react: successful ``StopLogging`` (restarted), ``DeleteTrail``, ``UpdateTrail`` and
      ``PutEventSelectors`` (notified when they weaken the trail) invoke the Lambda;
    * detect: AWS Config ``CLOUD_TRAIL_ENABLED`` and
      ``CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED`` (reported only).
    """,
)
