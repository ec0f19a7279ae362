"""Reactive plane of ``s3-public-access``: keep buckets (and the account) private.

* ``PutBucketPublicAccessBlock`` with a flag off, ``DeleteBucketPublicAccessBlock``, or a
  NON_COMPLIANT ``S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED``: read the bucket's flags; if
  any is off and the bucket is not exempt, put all four back on.
* ``PutAccountPublicAccessBlock`` / ``DeleteAccountPublicAccessBlock``: the same for the
  account (S3 Control); accounts are exempt by configuration (``exemptAccounts``).
* ``PutBucketAcl``: read the ACL; remove only the grants to AllUsers and
  AuthenticatedUsers, keeping the owner and every other grant.
* ``PutBucketPolicy``: read the policy; a public statement is notified, never removed
  (deleting or rewriting a policy could lose access that is needed).

Every decision is the prevent plane's: the API responses become the ``s3_bucket``
adapter's facts and ``policies.s3_public_access.evaluate`` judges them; a violation's
location names the grant or statement it is about.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from guardrails_runtime.adapters.s3_bucket import FLAGS, from_api, name_from_cloudtrail
from guardrails_runtime.aws import bucket_tags, error_code, partition_for
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import Change, Decision, Outcome, PolicyOptions, UndoCall, Violation
from guardrails_runtime.policies.s3_public_access.policy import evaluate
from guardrails_runtime.policies.s3_public_access.spec import SPEC
from guardrails_runtime.remediations.base import (
    Context,
    Remediation,
    done,
    enforce,
    tag_exemption,
)
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.shell import command

BUCKET_PAB = ("PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock")
ACCOUNT_PAB = ("PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock")
NO_PAB = "NoSuchPublicAccessBlockConfiguration"
GONE_CODES = frozenset({"NoSuchBucket"})
ALL_ON = {flag: True for flag in FLAGS}


class S3PublicAccessRemediation(Remediation):
    """Block public access again; strip public grants; report public policies."""

    spec = SPEC

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        if call.event_name in ACCOUNT_PAB:
            return self._account(ctx, outcome)
        bucket = name_from_cloudtrail(call.request)
        outcome.resource = bucket
        outcome.resource_arn = f"arn:{partition_for(outcome.region)}:s3:::{bucket}"
        s3 = ctx.clients.get("s3", outcome.region)
        try:
            if call.event_name == "PutBucketAcl":
                return self._acl(s3, bucket, ctx, outcome)
            if call.event_name == "PutBucketPolicy":
                return self._policy(s3, bucket, ctx, outcome)
            return self._bucket_flags(s3, bucket, ctx, outcome)
        except ClientError as exc:
            if error_code(exc) in GONE_CODES:
                return done(outcome, Decision.COMPLIANT, f"bucket {bucket} no longer exists")
            raise

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        bucket = change.resource_id
        outcome.resource = bucket
        outcome.resource_arn = f"arn:{partition_for(outcome.region)}:s3:::{bucket}"
        return self._bucket_flags(ctx.clients.get("s3", outcome.region), bucket, ctx, outcome)

    def recheck(self, resource: str, ctx: Context, outcome: Outcome) -> Outcome:
        """Account flags for ``account/<id>``; for a bucket, its flags, then its ACL, then
        its policy: the first that still violates is handled (flags back on also make
        AWS ignore public ACLs and restrict public policies)."""
        if resource.startswith("account/"):
            outcome.account = outcome.account or resource.split("/", 1)[1]
            return self._account(ctx, outcome)
        outcome.resource = resource
        outcome.resource_arn = f"arn:{partition_for(outcome.region)}:s3:::{resource}"
        s3 = ctx.clients.get("s3", outcome.region)
        try:
            for check in (self._bucket_flags, self._acl, self._policy):
                check(s3, resource, ctx, outcome)
                if outcome.decision is not Decision.COMPLIANT:
                    break
        except ClientError as exc:
            if error_code(exc) in GONE_CODES:
                return done(outcome, Decision.COMPLIANT, f"bucket {resource} no longer exists")
            raise
        return outcome

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        if outcome.resource and outcome.resource.startswith("account/"):
            return (
                f"add account {outcome.account or '<account>'} to guardrails:exemptAccounts "
                "(GUARDRAILS_EXEMPT_ACCOUNTS) and redeploy"
            )
        return (
            f"tag bucket {outcome.resource} with {settings.exemption_tag_key}="
            f"{settings.exemption_tag_value} (aws s3api put-bucket-tagging replaces the "
            "whole tag set: include the bucket's other tags)"
        )

    # --- the four checks ----------------------------------------------------------------

    def _bucket_flags(self, s3: Any, bucket: str, ctx: Context, outcome: Outcome) -> Outcome:
        violation, change = _flags_change(
            s3,
            {"Bucket": bucket},
            ("s3api", "--bucket", bucket),
            "s3:PutBucketPublicAccessBlock",
            bucket,
        )
        if violation is None:
            return done(outcome, Decision.COMPLIANT, "all four Block Public Access flags are on")
        outcome.changes = [change]
        why = f"Block Public Access: {violation.message}"
        outcome.rule = violation.rule
        return self._act(
            s3,
            bucket,
            ctx,
            outcome,
            why=why,
            write=lambda: s3.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration=ALL_ON
            ),
            done="all four flags switched back on",
        )

    def _account(self, ctx: Context, outcome: Outcome) -> Outcome:
        account = outcome.account
        if not account:
            raise MalformedEventError("the event names no account (recipientAccountId)")
        outcome.resource = f"account/{account}"
        control = ctx.clients.get("s3control", outcome.region)
        violation, change = _flags_change(
            control,
            {"AccountId": account},
            ("s3control", "--account-id", account),
            "s3:PutAccountPublicAccessBlock",
            outcome.resource,
        )
        if violation is None:
            return done(outcome, Decision.COMPLIANT, "all four account-level flags are on")
        outcome.changes = [change]
        why = f"account-level Block Public Access: {violation.message}"
        outcome.rule = violation.rule

        def act() -> str:
            control.put_public_access_block(
                AccountId=account, PublicAccessBlockConfiguration=ALL_ON
            )
            return "all four flags switched back on"

        exempt = f"account {account} is exempt" if account in ctx.settings.exempt_accounts else None
        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)

    def _acl(self, s3: Any, bucket: str, ctx: Context, outcome: Outcome) -> Outcome:
        acl = s3.get_bucket_acl(Bucket=bucket)
        grants = acl.get("Grants", [])
        violations = _judged(from_api(grants=grants), "GR-S3P2")
        public = [grants[_index(v.location)] for v in violations]
        if not public:
            return done(outcome, Decision.COMPLIANT, "the ACL grants nothing to everyone")
        kept = [g for g in grants if g not in public]
        before = {"Owner": acl["Owner"], "Grants": grants}
        outcome.changes = [
            Change(
                "s3:PutBucketAcl",
                bucket,
                {"removed": public, "kept": kept, "after": kept},
                command(
                    "aws",
                    "s3api",
                    "put-bucket-acl",
                    "--bucket",
                    bucket,
                    "--access-control-policy",
                    json.dumps(before, separators=(",", ":"), sort_keys=True),
                ),
                UndoCall("s3", "put_bucket_acl", {"Bucket": bucket, "AccessControlPolicy": before}),
            )
        ]
        groups = sorted({g["Grantee"]["URI"].rsplit("/", 1)[-1] for g in public})
        why = f"the ACL grants access to {', '.join(groups)}"
        outcome.rule = violations[0].rule
        return self._act(
            s3,
            bucket,
            ctx,
            outcome,
            why=why,
            write=lambda: s3.put_bucket_acl(
                Bucket=bucket, AccessControlPolicy={"Owner": acl["Owner"], "Grants": kept}
            ),
            done="public grants removed, every other grant kept",
        )

    def _policy(self, s3: Any, bucket: str, ctx: Context, outcome: Outcome) -> Outcome:
        try:
            text = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucketPolicy":
                return done(outcome, Decision.COMPLIANT, "the bucket has no policy any more")
            raise
        facts = from_api(policy=text)
        violations = _judged(facts, "GR-S3P3")
        if not violations:
            return done(
                outcome, Decision.COMPLIANT, "no statement allows principal * unconditionally"
            )
        statements = dict(facts.policy)
        labels = []
        for v in violations:
            sid = (
                statements[v.location].get("Sid")
                if isinstance(statements[v.location], dict)
                else None
            )
            labels.append(repr(sid) if sid else f"#{_index(v.location)}")
        outcome.rule = violations[0].rule
        why = (
            f"policy statement(s) {', '.join(labels)} allow principal * without a "
            "restricting condition"
        )
        if ctx.settings.is_exempt(bucket_tags(s3, bucket)):
            return done(outcome, Decision.EXEMPT, f"{why}; the bucket is exempt")
        return done(
            outcome,
            Decision.NOTIFIED,
            f"{why} (notify only: a policy is never rewritten by the guardrail)",
        )

    @staticmethod
    def _act(
        s3: Any, bucket: str, ctx: Context, outcome: Outcome, *, why: str, write: Any, done: str
    ) -> Outcome:
        def act() -> str:
            write()
            return done

        exempt = tag_exemption(ctx.settings, bucket_tags(s3, bucket), "bucket", outcome)
        return enforce(outcome, ctx, why=why, exempt=exempt, act=act)


def _judged(facts: Any, rule: str) -> list[Violation]:
    """The policy's violations of ``rule`` (the options do not bear on this policy)."""
    return [v for v in evaluate(facts, PolicyOptions()) if v.rule == rule]


def _index(location: str) -> int:
    """``Grants[3]`` / ``Policy.Statement[3]`` -> 3."""
    return int(location.rsplit("[", 1)[1].rstrip("]"))


def _flags_change(
    client: Any, target: dict[str, str], cli: tuple[str, ...], action: str, resource: str
) -> tuple[Violation | None, Change]:
    """Read the Block Public Access flags of ``target`` (a bucket on S3, an account on S3
    Control: the same API shape); return the policy's violation (None: all four on) and
    the change that switches all four on, with its AWS CLI undo (``cli``: the CLI service,
    then the arguments that name the target) and undo call (no configuration before ->
    delete)."""
    service = client.meta.service_model.service_name
    try:
        before = dict(client.get_public_access_block(**target)["PublicAccessBlockConfiguration"])
    except ClientError as exc:
        if error_code(exc) != NO_PAB:
            raise
        before = {}  # none configured reads as every flag off
    found = _judged(from_api(public_access_block=before), "GR-S3P1")
    violation = found[0] if found else None
    detail = {"before": before or None, "after": ALL_ON}
    if not before:
        undo = UndoCall(service, "delete_public_access_block", target)
        delete = command("aws", cli[0], "delete-public-access-block", *cli[1:])
        return violation, Change(action, resource, detail, delete, undo)
    flags = {flag: bool(before.get(flag)) for flag in FLAGS}
    body = ",".join(f"{flag}={'true' if on else 'false'}" for flag, on in flags.items())
    undo = UndoCall(
        service, "put_public_access_block", {**target, "PublicAccessBlockConfiguration": flags}
    )
    put = command(
        "aws",
        cli[0],
        "put-public-access-block",
        *cli[1:],
        "--public-access-block-configuration",
        body,
    )
    return violation, Change(action, resource, detail, put, undo)
