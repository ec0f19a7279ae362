"""Reactive plane of ``exemption-tags``: report exemptions; remove unapproved ones.

Every tagging call that sets or removes the exemption tag on a judged resource (security
groups, buckets, trails, DB instances) is reported with who made it (``notified``, GR-EX1).
With ``exemption_approvers`` set, an exemption set by anyone else is GR-EX2: in remediate
mode the guardrail removes that one tag (the resource's other tags stay), so the exemption
never counts; ``notify`` reports it as ``would-remediate``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime import recheck
from guardrails_runtime.aws import error_code
from guardrails_runtime.events import ApiCall, ComplianceChange
from guardrails_runtime.model import Change, Decision, Mode, Outcome, UndoCall
from guardrails_runtime.policies.exemption_tags.policy import (
    evaluate,
    judged_resources,
    principals,
    tag_change,
)
from guardrails_runtime.policies.exemption_tags.spec import SPEC
from guardrails_runtime.remediations.base import Context, Remediation, done, enforce
from guardrails_runtime.settings import RuntimeSettings, carries_exemption
from guardrails_runtime.shell import command, region_args
from guardrails_runtime.spec import specs


class ExemptionTagsRemediation(Remediation):
    """Report exemption tags; remove those set by non-approvers."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        change = tag_change(call)
        settings = ctx.settings
        key, value = settings.exemption_tag_key, settings.exemption_tag_value
        violations = evaluate(change, call, key, value, settings.exemption_approvers)
        resources = judged_resources(change)
        outcome.resource = ", ".join(resources) or (
            change.resources[0] if change.resources else None
        )
        if not violations:
            return done(
                outcome, Decision.IGNORED, "the call neither sets nor removes the exemption tag"
            )
        who = next(iter(principals(call)), "an unknown principal")
        [violation] = violations
        outcome.rule = violation.rule
        if violation.rule == "GR-EX1":
            approval = (
                "an exemption approver"
                if settings.exemption_approvers and not change.removed
                else "no exemptionApprovers are set: every exemption counts"
                if not change.removed
                else "an exemption was withdrawn"
            )
            done(
                outcome,
                Decision.NOTIFIED,
                f"{violation.message} on {outcome.resource} by {who} ({approval})",
            )
            if change.removed:
                outcome.reason += f"; {_recheck(change.service, resources, ctx, outcome)}"
            return outcome
        tag = next(
            (k, v)
            for k, v in change.tags
            if carries_exemption({k: v}, key, value) and v is not None
        )
        client = ctx.clients.get(change.service, outcome.region)
        before = {r: _bucket_tags(client, r) for r in resources} if change.service == "s3" else {}
        outcome.changes = [
            _change(change.service, r, tag, before.get(r), outcome.region) for r in resources
        ]
        why = f"{violation.message} ({who}) on {outcome.resource}: the exemption does not count"

        def act() -> str:
            for resource in resources:
                _remove(client, change.service, resource, tag, before.get(resource))
            return "exemption tag removed (the resource's other tags kept)"

        enforce(outcome, ctx, why=why, exempt=None, act=act)
        if outcome.decision is Decision.REMEDIATED:
            outcome.reason += f"; {_recheck(change.service, resources, ctx, outcome)}"
        return outcome

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return done(outcome, Decision.UNSUPPORTED, "exemption-tags has no Config rule")

    def recheck(self, resource: str, ctx: Context, outcome: Outcome) -> Outcome:
        return done(
            outcome,
            Decision.IGNORED,
            "exemption-tags judges who tagged, which only the tagging call shows: "
            "nothing to re-check on the resource",
        )

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return None  # an exemption cannot exempt itself


# At most this many re-checks per tagging call (a CreateTags may name 1,000 resources).
MAX_RECHECKS = 25


def _recheck(service: str, resources: tuple[str, ...], ctx: Context, outcome: Outcome) -> str:
    """Once an exemption is gone, whatever it covered must be judged again: a re-check of
    each resource by each policy that its exemption tag exempts (in a minute, so the
    tagging has settled)."""
    policies = [
        s.id
        for s in specs()
        if s.fix is not None
        and s.fix.tagged == service
        and ctx.settings.mode_for(s.id) is not Mode.OFF
    ]
    pairs = [(p, r) for r in resources for p in policies]
    notes = [
        recheck.schedule(
            ctx.settings,
            ctx.own_clients,
            policy=policy,
            resource=resource,
            region=outcome.region,
            account=outcome.account,
            when=time.time(),
            reason=f"the exemption of {resource} was withdrawn",
        )
        for policy, resource in pairs[:MAX_RECHECKS]
    ]
    if not notes:
        return "no policy to re-check"
    skipped = len(pairs) - len(notes)
    first = notes[0] if len(set(notes)) == 1 else "; ".join(sorted(set(notes)))
    more = f" ({skipped} more re-check(s) not scheduled: over {MAX_RECHECKS})" if skipped else ""
    return f"{first} for {', '.join(policies)}{more}"


def _bucket_tags(s3: Any, bucket: str) -> list[dict[str, str]]:
    try:
        return list(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    except ClientError as exc:
        if error_code(exc) == "NoSuchTagSet":
            return []
        raise


def _remove(
    client: Any,
    service: str,
    resource: str,
    tag: tuple[str, str],
    before: list[dict[str, str]] | None,
) -> None:
    """Remove the one exemption tag; every other tag of the resource stays."""
    key, value = tag
    if service == "ec2":
        client.delete_tags(Resources=[resource], Tags=[{"Key": key, "Value": value}])
    elif service == "s3":
        kept = [t for t in before or [] if t["Key"] != key]
        if kept:
            client.put_bucket_tagging(Bucket=resource, Tagging={"TagSet": kept})
        else:
            client.delete_bucket_tagging(Bucket=resource)
    elif service == "cloudtrail":
        client.remove_tags(ResourceId=resource, TagsList=[{"Key": key, "Value": value}])
    else:
        client.remove_tags_from_resource(ResourceName=resource, TagKeys=[key])


def _change(
    service: str,
    resource: str,
    tag: tuple[str, str],
    before: list[dict[str, str]] | None,
    region: str | None,
) -> Change:
    """The removal, with the call and AWS CLI command that put the tag back (S3: the
    bucket's whole tag set as it was, since PutBucketTagging replaces them all)."""
    key, value = tag
    pair = {"Key": key, "Value": value}
    shorthand = f"Key={key},Value={value}"
    if service == "ec2":
        cli = ["ec2", "create-tags", *region_args(region), "--resources", resource]
        cli += ["--tags", shorthand]
        call = UndoCall("ec2", "create_tags", {"Resources": [resource], "Tags": [pair]})
    elif service == "s3":
        tag_set = {"TagSet": before or [pair]}
        cli = ["s3api", "put-bucket-tagging", "--bucket", resource]
        cli += ["--tagging", json.dumps(tag_set, separators=(",", ":"))]
        call = UndoCall("s3", "put_bucket_tagging", {"Bucket": resource, "Tagging": tag_set})
    elif service == "cloudtrail":
        cli = ["cloudtrail", "add-tags", *region_args(region), "--resource-id", resource]
        cli += ["--tags-list", shorthand]
        call = UndoCall("cloudtrail", "add_tags", {"ResourceId": resource, "TagsList": [pair]})
    else:
        cli = ["rds", "add-tags-to-resource", *region_args(region), "--resource-name", resource]
        cli += ["--tags", shorthand]
        call = UndoCall("rds", "add_tags_to_resource", {"ResourceName": resource, "Tags": [pair]})
    detail: dict[str, Any] = {"tag": pair}
    if service == "s3":  # the tag set is replaced whole: the undo adds the tag back to it
        detail |= {"removed": [pair], "after": [t for t in before or [] if t["Key"] != key]}
    return Change(f"{service}:remove-exemption-tag", resource, detail, command("aws", *cli), call)
