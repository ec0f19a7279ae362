"""Reactive plane of ``cloudtrail-enabled``.

* ``StopLogging``: re-read the trail's status (``GetTrailStatus``); if it is still off and
  the trail is not exempt (``ListTags``), ``StartLogging``.
* ``DeleteTrail``, ``UpdateTrail`` that switches off log file validation or multi-region,
  ``PutEventSelectors`` that drops management events: notify only (``notified``). A
  deleted trail cannot be brought back without its configuration, and reverting a trail's
  settings is a change its owner's pipeline should make.

The trail is named in the request (``name`` or ``trailName``), as a name or an ARN.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.cloudtrail_trail import from_api, name_from_cloudtrail
from guardrails_runtime.aws import error_code, partition_for
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.cloudtrail_enabled.policy import evaluate
from guardrails_runtime.policies.cloudtrail_enabled.spec import SPEC
from guardrails_runtime.remediations.base import (
    Context,
    Remediation,
    done,
    enforce,
    tag_exemption,
)
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args

GONE_CODES = frozenset({"TrailNotFoundException"})
TRAILS = "arn:{partition}:cloudtrail:{region}:{account}:trail/*"


class CloudTrailRemediation(Remediation):
    """Restart a stopped trail; report deleted or weakened trails."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        name = name_from_cloudtrail(call.request)
        if name is None:
            raise MalformedEventError("requestParameters.name (or trailName) must be a trail name")
        outcome.resource = name.rsplit("/", 1)[-1]
        outcome.resource_arn = (
            name
            if name.startswith("arn:")
            else (
                f"arn:{partition_for(outcome.region)}:cloudtrail:{outcome.region}:"
                f"{outcome.account}:trail/{name}"
            )
        )
        if call.event_name == "DeleteTrail":
            outcome.rule = "GR-CT1"  # a deleted trail logs nothing
            return done(
                outcome,
                Decision.NOTIFIED,
                "the trail was deleted; recreate it from its "
                "infrastructure code (a deleted trail's configuration is gone)",
            )
        cloudtrail = ctx.clients.get("cloudtrail", outcome.region)
        try:
            if call.event_name == "StopLogging":
                return self._restart(cloudtrail, name, ctx, outcome)
            if call.event_name == "UpdateTrail":
                # Judge what the call switched off (and is still off on the live trail).
                switched = frozenset(
                    fact
                    for key, fact in (
                        ("enableLogFileValidation", "validation"),
                        ("isMultiRegionTrail", "multi_region"),
                    )
                    if call.request.get(key) is False
                )
                trails = cloudtrail.describe_trails(trailNameList=[name])["trailList"]
                facts = from_api(trail=trails[0], judge=switched) if trails else None
            else:
                facts = from_api(
                    selectors=cloudtrail.get_event_selectors(TrailName=name),
                    judge=frozenset({"management"}),
                )
            violations = evaluate(facts) if facts is not None else []
        except ClientError as exc:
            if error_code(exc) in GONE_CODES:
                return done(outcome, Decision.COMPLIANT, f"trail {name} no longer exists")
            raise
        if not violations:
            return done(outcome, Decision.COMPLIANT, "the trail still meets the policy")
        outcome.rule = violations[0].rule
        return done(
            outcome,
            Decision.NOTIFIED,
            "; ".join(v.message for v in violations) + " (notify only: revert "
            "the change in the trail's infrastructure code)",
        )

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return done(
            outcome, Decision.UNSUPPORTED, "cloudtrail-enabled's Config rules are detect-only"
        )

    def recheck(self, resource: str, ctx: Context, outcome: Outcome) -> Outcome:
        """A trail stopped again is restarted; weakened settings are what a change showed,
        so only logging is re-checked."""
        outcome.resource = resource.rsplit("/", 1)[-1]
        if resource.startswith("arn:"):
            outcome.resource_arn = resource
        try:
            return self._restart(
                ctx.clients.get("cloudtrail", outcome.region), resource, ctx, outcome
            )
        except ClientError as exc:
            if error_code(exc) in GONE_CODES:
                return done(outcome, Decision.COMPLIANT, f"trail {resource} no longer exists")
            raise

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return command(
            "aws",
            "cloudtrail",
            "add-tags",
            *region_args(outcome.region),
            "--resource-id",
            outcome.resource_arn or "<trail-arn>",
            "--tags-list",
            f"Key={settings.exemption_tag_key},Value={settings.exemption_tag_value}",
        )

    def _restart(self, cloudtrail: Any, name: str, ctx: Context, outcome: Outcome) -> Outcome:
        violations = evaluate(from_api(status=cloudtrail.get_trail_status(Name=name)))
        if not violations:
            return done(outcome, Decision.COMPLIANT, "the trail is logging")
        outcome.rule, why = violations[0].rule, violations[0].message
        outcome.changes = [
            Change(
                "cloudtrail:StartLogging",
                outcome.resource or name,
                {"isLogging": True, "after": True},
                command(
                    "aws",
                    "cloudtrail",
                    "stop-logging",
                    *region_args(outcome.region),
                    "--name",
                    name,
                ),
                UndoCall("cloudtrail", "stop_logging", {"Name": name}),
            )
        ]
        arn = outcome.resource_arn
        if not outcome.account and not name.startswith("arn:"):  # the ARN needs the account
            trails = cloudtrail.describe_trails(trailNameList=[name])["trailList"]
            arn = trails[0]["TrailARN"] if trails else arn
        tags = cloudtrail.list_tags(ResourceIdList=[arn])["ResourceTagList"]
        exempt = tag_exemption(
            ctx.settings, [t for entry in tags for t in entry.get("TagsList", [])], "trail", outcome
        )

        def act() -> str:
            cloudtrail.start_logging(Name=name)
            return "logging restarted"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)
