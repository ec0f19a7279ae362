"""Spec of ``config-recorder-on``: AWS Config keeps recording (FSBP Config.1)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "config-recorder-on"

SPEC = PolicySpec(
    id=POLICY,
    title="AWS Config keeps recording",
    summary="The configuration recorder keeps recording: every Config rule, this "
    "guardrail's detect plane included, sees nothing once it stops.",
    rules=(
        RuleInfo(
            id="GR-CFG1",
            policy=POLICY,
            level="error",
            info="AWS Config is not recording: the recorder is stopped, records nothing, "
            "or is missing with its delivery channel.",
            explanation=(
                "With the recorder stopped, configuration history has a gap and no Config "
                "rule evaluates a change: the detect plane of every guardrail goes blind."
            ),
            fix="Start the recorder (aws configservice start-configuration-recorder) and "
            "record all supported resource types.",
        ),
        RuleInfo(
            id="GR-CFG2",
            policy=POLICY,
            level="warning",
            info="AWS Config recording could not be evaluated: the recording group or the "
            "status is unresolved.",
            explanation="An unresolved recording group may record nothing.",
            fix="Write the recording group and status with literal values.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("config-recorder",),
    cloudformation_types=("AWS::Config::ConfigurationRecorder",),
    terraform_types=(
        "aws_config_configuration_recorder",
        "aws_config_configuration_recorder_status",
    ),
    triggers=(
        Trigger(
            "config.amazonaws.com",
            (
                "StopConfigurationRecorder",
                "DeleteConfigurationRecorder",
                "DeleteDeliveryChannel",
                "PutConfigurationRecorder",
            ),
        ),
    ),
    config_rules=(),
    fix=Fix(
        "ConfigRecorderOnRemediation",
        iam=(
            IamGrant(
                (
                    "config:DescribeConfigurationRecorders",
                    "config:DescribeConfigurationRecorderStatus",
                    "config:DescribeDeliveryChannels",
                    "config:StartConfigurationRecorder",
                ),
                "*",
                "read the region's recorder, its status and delivery channels, and start "
                "a stopped recorder (Config has no resource-level permissions for these)",
            ),
        ),
        undo=(Undo("config", "stop_configuration_recorder", "ConfigurationRecorderName"),),
    ),
    construct="ConfigRecorderGuardrail",
    construct_doc="""Starts a stopped AWS Config recorder; reports a deleted or emptied one.

    * react: a successful ``StopConfigurationRecorder`` invokes the remediation Lambda,
      which calls ``StartConfigurationRecorder``; ``DeleteConfigurationRecorder``,
      ``DeleteDeliveryChannel`` and a ``PutConfigurationRecorder`` that records nothing are
      notified (re-creating them needs the account's role and bucket choices);
    * prevent: ``AWS::Config::ConfigurationRecorder`` / Terraform recorders whose recording
      group records nothing, and a Terraform recorder status with ``is_enabled = false``.
    """,
    docs="""\
There is no Config rule for this policy: Config cannot report on its own recorder. The
react plane is the only live check, and the self-protection rules watch the same calls
(they notify; this policy also restarts the recorder).

Only a stopped recorder is fixed. A deleted recorder or delivery channel, or a recording
group emptied with `PutConfigurationRecorder`, is notified: putting them back needs the
recorder's role, the bucket and the resource types chosen for the account, which the
guardrail does not own. Undo stops the recorder again.

Exemption: recorders carry no tags; set the policy `off` (`policyModes`) for an account or
region that must run without Config.
""",
)
