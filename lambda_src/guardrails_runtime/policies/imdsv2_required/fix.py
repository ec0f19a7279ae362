"""Reactive plane of ``imdsv2-required``: require session tokens on instances that allow
IMDSv1.

Trigger: a successful ``RunInstances`` (every instance in its response) or
``ModifyInstanceMetadataOptions`` (the instance in its request), or a NON_COMPLIANT
evaluation of ``EC2_IMDSV2_CHECK``. One read (``DescribeInstances`` by an ``instance-id``
filter, so an instance already gone is simply not listed); for each instance that allows
IMDSv1, is not exempt and not terminated, one write:
``ModifyInstanceMetadataOptions HttpTokens=required``.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters.ec2_instance import (
    REQUIRED,
    InstanceMetadata,
    from_api,
    instances_from_cloudtrail,
)
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import Change, Decision, Outcome, UndoCall
from guardrails_runtime.policies.imdsv2_required.policy import evaluate
from guardrails_runtime.policies.imdsv2_required.spec import SPEC
from guardrails_runtime.remediations.base import Context, Remediation, enforce, tag_exemption
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command, region_args

GONE = frozenset({"shutting-down", "terminated"})


class Imdsv2RequiredRemediation(Remediation):
    """``ModifyInstanceMetadataOptions(HttpTokens="required")`` per instance."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        ids = instances_from_cloudtrail(call.request, call.response)
        if not ids:
            raise MalformedEventError(
                "requestParameters.instanceId or responseElements.instancesSet must name "
                "the instances"
            )
        return self._enforce(ctx, outcome, ids)

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self._enforce(ctx, outcome, [change.resource_id])

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        return command(
            "aws",
            "ec2",
            "create-tags",
            *region_args(outcome.region),
            "--resources",
            *(outcome.resource or "<instance-id>").split(", "),
            "--tags",
            f"Key={settings.exemption_tag_key},Value={settings.exemption_tag_value}",
        )

    def _enforce(self, ctx: Context, outcome: Outcome, ids: list[str]) -> Outcome:
        ec2 = ctx.clients.get("ec2", outcome.region)
        found = _describe(ec2, ids)
        violating: list[InstanceMetadata] = []
        exempted: list[str] = []
        for meta in found:
            if meta.state in GONE or not evaluate(meta):
                continue
            reason = tag_exemption(ctx.settings, dict(meta.tags), "instance", outcome)
            if reason is None:
                violating.append(meta)
            else:
                exempted.append(f"{meta.instance_id} ({reason})")
        outcome.resource = ", ".join(str(m.instance_id) for m in violating) or ", ".join(ids)
        if not violating and not exempted:
            outcome.decision = Decision.COMPLIANT
            outcome.reason = (
                "every instance requires IMDSv2 (or has no metadata endpoint, or is gone)"
            )
            return outcome
        outcome.rule = "GR-IMDS1"
        # What violates, without ids (its digest keys flapping holds); ids go in the result.
        why = f"instances allow IMDSv1 (HttpTokens is not '{REQUIRED}')"
        kept = f"; left as is: {'; '.join(exempted)}" if exempted else ""
        outcome.changes = [_change(meta, outcome.region) for meta in violating]
        exempt = None if violating else "every instance that allows IMDSv1 is exempt" + kept

        def act() -> str:
            for meta in violating:
                ec2.modify_instance_metadata_options(
                    InstanceId=meta.instance_id, HttpTokens=REQUIRED
                )
            names = ", ".join(str(m.instance_id) for m in violating)
            return f"HttpTokens set to required on {names} (IMDSv1 clients now get 401){kept}"

        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _change(meta: InstanceMetadata, region: str | None) -> Change:
    instance = str(meta.instance_id)
    before = meta.tokens if isinstance(meta.tokens, str) else "optional"
    return Change(
        "ec2:ModifyInstanceMetadataOptions",
        instance,
        {"httpTokens": {"before": before, "after": REQUIRED}},
        command(
            "aws",
            "ec2",
            "modify-instance-metadata-options",
            *region_args(region),
            "--instance-id",
            instance,
            "--http-tokens",
            before,
        ),
        UndoCall(
            "ec2",
            "modify_instance_metadata_options",
            {"InstanceId": instance, "HttpTokens": before},
        ),
    )


def _describe(ec2: Any, ids: list[str]) -> list[InstanceMetadata]:
    paginator = ec2.get_paginator("describe_instances")
    return [
        from_api(item)
        for page in paginator.paginate(Filters=[{"Name": "instance-id", "Values": ids}])
        for reservation in page.get("Reservations") or []
        for item in reservation.get("Instances") or []
    ]
