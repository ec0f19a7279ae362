"""Spec of ``guardduty-enabled``: GuardDuty stays on in every guarded region (FSBP
GuardDuty.1)."""

from __future__ import annotations

from guardrails_runtime.model import RuleInfo
from guardrails_runtime.spec import ConfigRule, Fix, IamGrant, PolicySpec, Trigger, Undo

POLICY = "guardduty-enabled"

SPEC = PolicySpec(
    id=POLICY,
    title="GuardDuty stays enabled",
    summary="Every guarded region keeps an enabled GuardDuty detector: turning threat "
    "detection off is the first move of an intruder who wants to stay unseen.",
    rules=(
        RuleInfo(
            id="GR-GD1",
            policy=POLICY,
            level="error",
            info="GuardDuty is disabled, or the region has no detector.",
            explanation=(
                "Without a detector, credential misuse, crypto mining and data "
                "exfiltration in the region raise no finding at all."
            ),
            fix="Enable the detector (Enable: true, enable = true), or create one; in an "
            "organization, let the delegated administrator enable it for every member.",
        ),
        RuleInfo(
            id="GR-GD2",
            policy=POLICY,
            level="warning",
            info="GuardDuty's state could not be evaluated: Enable is unresolved or absent.",
            explanation="An unresolved Enable may be false.",
            fix="Set Enable: true explicitly.",
            planes=("prevent",),
        ),
    ),
    options=(),
    kinds=("guardduty-detector",),
    cloudformation_types=("AWS::GuardDuty::Detector",),
    terraform_types=("aws_guardduty_detector",),
    triggers=(Trigger("guardduty.amazonaws.com", ("DeleteDetector", "UpdateDetector")),),
    config_rules=(
        ConfigRule(
            "GUARDDUTY_ENABLED_CENTRALIZED",
            "guardduty-enabled",
            "GuardDuty is enabled in the region (periodic, per account)",
        ),
    ),
    fix=Fix(
        "GuardDutyEnabledRemediation",
        iam=(
            IamGrant(
                ("guardduty:ListDetectors", "guardduty:CreateDetector"),
                "*",
                "find the region's detector, and create one when it was deleted (no "
                "resource-level permissions for these calls)",
            ),
            IamGrant(
                ("guardduty:GetDetector", "guardduty:UpdateDetector"),
                "arn:{partition}:guardduty:{region}:{account}:detector/*",
                "read a detector's status and tags, and enable it again",
            ),
        ),
        undo=(
            Undo("guardduty", "update_detector", "DetectorId"),
            Undo("guardduty", "delete_detector", "DetectorId"),
        ),
        config_resource_types=("AWS::::Account",),
    ),
    construct="GuardDutyGuardrail",
    construct_doc="""Keeps GuardDuty on: re-enables a disabled detector, re-creates a deleted one.

    * react: successful ``UpdateDetector`` and ``DeleteDetector`` calls invoke the
      remediation Lambda, which reads the region's detectors and calls
      ``UpdateDetector(Enable=True)`` on a disabled one, or ``CreateDetector(Enable=True)``
      when none is left;
    * detect: AWS Config ``GUARDDUTY_ENABLED_CENTRALIZED`` (periodic, per account),
      NON_COMPLIANT routed to the same Lambda;
    * prevent: ``AWS::GuardDuty::Detector`` / ``aws_guardduty_detector`` disabled.
    """,
    docs="""\
The fix judges the region as it is when the Lambda runs, whatever the call said: a
detector that is disabled is enabled again (its settings, data sources and findings are
kept); a region left with no detector gets a new one with GuardDuty's defaults. A deleted
detector's findings, filters, suppression rules and data-source choices are gone for good
and are not re-created: the notification says so, and the settings must be put back by
whoever manages them (in an organization, the delegated administrator, whose
auto-enable settings then apply again).

Creating a detector needs GuardDuty's service-linked role, which stays in the account when
a detector is deleted; in an account where it was removed as well, `CreateDetector` fails
with access denied and the decision is `error` (the role grants no `iam:` actions).

Undo disables the detector again (`UpdateDetector Enable=false`) or deletes the detector
the fix created.

Tags: the exemption tag on the detector exempts a disabled one; a deleted detector has no
tags left: set the policy `off` for an account that must run without GuardDuty.
""",
)
