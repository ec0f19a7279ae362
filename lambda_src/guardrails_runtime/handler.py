"""Lambda entry point: parse -> route -> dedup -> decide/act -> ledger -> log/metrics -> notify.

``handler`` is what Lambda calls (``guardrails_runtime.handler.handler``); ``process`` is
the same pipeline with injectable settings and clients, used by tests and by
``guardrails replay``.

What never raises: malformed or unknown events (``unsupported``), failed calls, the
remediator's own calls and read-only calls (``ignored``), AccessDenied (``error``,
notified). What raises: AWS errors a retry could fix (throttling that outlasted botocore's
retries, 5xx, anything unexpected), so Lambda's async retries and the dead-letter queue
keep the event.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from guardrails_runtime import notify
from guardrails_runtime.aws import Clients, error_code, is_access_denied, known_region
from guardrails_runtime.events import (
    ApiCall,
    ComplianceChange,
    MalformedEventError,
    Recheck,
    parse,
)
from guardrails_runtime.model import (
    RECORDED_DECISIONS,
    Change,
    Decision,
    InvalidEntryError,
    Mode,
    Outcome,
)
from guardrails_runtime.remediations import Context, Remediation, by_policy, claimers
from guardrails_runtime.settings import RuntimeSettings

if TYPE_CHECKING:
    from guardrails_runtime.ledger import Ledger

Parsed = ApiCall | ComplianceChange | Recheck
LOG = logging.getLogger("guardrails")
LOG.setLevel(logging.INFO)

_settings: RuntimeSettings | None = None
_clients = Clients()
_members: Any = None  # guardrails_runtime.org.MemberAccounts, in hub mode


def handler(event: Any, context: Any) -> dict[str, Any]:
    """AWS Lambda handler. Returns the outcome (also logged as one JSON line)."""
    global _settings  # noqa: PLW0603 - read the environment once per container
    if _settings is None:
        # The function's own ARN is the target of the re-checks it schedules.
        arn = getattr(context, "invoked_function_arn", None)
        _settings = dataclasses.replace(
            RuntimeSettings.from_env(), function_arn=arn if isinstance(arn, str) else None
        )
    # An event several deployed policies judge gives one outcome each (all logged); the
    # owner's is returned.
    return process_all(event, _settings, _clients)[0].as_dict()


def process_all(event: Any, settings: RuntimeSettings, clients: Clients) -> list[Outcome]:
    """The pipeline once for each deployed policy the event reaches (its owner first)."""
    parsed = _parse(event)  # once, for every policy's pass (parsed events are frozen)
    if not isinstance(parsed, ApiCall):
        return [process(event, settings, clients, parsed=parsed)]
    found = claimers(parsed.event_source, parsed.event_name, settings.deployed)
    if len(found) < 2:
        return [process(event, settings, clients, parsed=parsed)]
    return [process(event, settings, clients, policy=r.policy, parsed=parsed) for r in found]


def process(
    event: Any,
    settings: RuntimeSettings,
    clients: Clients,
    *,
    policy: str | None = None,
    parsed: Parsed | MalformedEventError | None = None,
) -> Outcome:
    """Run the whole pipeline for one event and return its outcome: for the event's owner,
    or for ``policy`` among the deployed policies that share it (:func:`process_all`).
    ``parsed``: what :func:`_parse` made of ``event`` already (parsed here otherwise)."""
    if isinstance(event, dict) and "guardrailsHeartbeat" in event:
        return _heartbeat(event, settings, clients)
    if isinstance(event, dict) and "guardrailsCfnChange" in event:
        from guardrails_runtime import cfn_change

        return _report(cfn_change.judge(event, settings.stack_id, clients), settings, clients)
    if settings.member_rules_prefix and isinstance(event, dict) and "detail-type" in event:
        from guardrails_runtime import member_beat

        beat = member_beat.beat_of(event, settings.member_rules_prefix)
        if beat is not None:
            return _report(_member_beat(*beat, settings, clients), settings, clients)
    if parsed is None:
        parsed = _parse(event)
    acting = clients
    if settings.member_role_name and not isinstance(parsed, MalformedEventError):
        hub = _in_member_account(parsed, settings, clients)
        if isinstance(hub, Outcome):
            return _report(hub, settings, clients)
        settings, acting = hub
    outcome, remediation, parsed = _route(event, parsed, settings, policy)
    mode = settings.mode_for(outcome.policy) if outcome.policy else None
    # Only a routed event can reach a recorded decision: settled ones never open the ledger.
    ledger = None
    if remediation is not None and parsed is not None and mode is not None:
        ledger = _open_ledger(settings, clients)
        previous = _previous(ledger, outcome)
        if previous is not None and not previous.get("final"):
            # A retry after an error: keep what the interrupted attempt already changed.
            earlier = _earlier_changes(previous)
            _act(remediation, parsed, _context(settings, acting, clients, mode, ledger), outcome)
            _name_the_rule(remediation, outcome)
            _keep_earlier(outcome, earlier)
        elif previous is not None and previous.get("notified") is False:
            return _resend(previous, ledger, settings, clients, mode)
        elif previous is not None:
            _ignore_duplicate(previous, outcome)
        else:
            _act(remediation, parsed, _context(settings, acting, clients, mode, ledger), outcome)
            _name_the_rule(remediation, outcome)
    recorded = ledger is not None and outcome.decision in RECORDED_DECISIONS
    # Written before the publish, marked unsent: a publish that fails raises (the event is
    # retried) and the retry re-sends the notification instead of ignoring a duplicate.
    sending = notify.will_publish(outcome, settings)
    written = (
        recorded and ledger is not None and _record(ledger, outcome, mode, notified=not sending)
    )
    _log(outcome)
    if settings.metrics_namespace:
        from guardrails_runtime import metrics

        metrics.emit(outcome, settings.metrics_namespace)
    notify.publish(outcome, settings, clients, mode)
    if written and sending and ledger is not None:
        _record(ledger, outcome, mode)  # sent: a re-delivery is now a plain duplicate
    return outcome


def members(clients: Clients, settings: RuntimeSettings) -> Any:
    """The hub's :class:`~guardrails_runtime.org.MemberAccounts` (one per container)."""
    global _members  # noqa: PLW0603 - credentials are cached for the container's life
    from guardrails_runtime.org import MemberAccounts

    role = settings.member_role_name or ""
    if _members is None or _members.home is not clients or _members.role_name != role:
        home = settings.remediator_role_arn.split(":")[4] if settings.remediator_role_arn else None
        _members = MemberAccounts(clients, role, home_account=home)
    return _members


def _in_member_account(
    parsed: Parsed, settings: RuntimeSettings, clients: Clients
) -> Outcome | tuple[RuntimeSettings, Clients]:
    """Hub mode: the settings for the event's account (its ring) and clients acting there,
    or the outcome that refuses an event from an account outside the organization.

    An event that names no account goes on unchanged: the pipeline says what it is.
    Clients in a member account assume its role on first use only (see ``_context``)."""
    account = getattr(parsed, "account", None)
    if account is None:
        return settings, clients
    accounts = members(clients, settings)

    def settled(decision: Decision, reason: str) -> Outcome:
        return Outcome(
            parsed.event_name,
            None,
            decision,
            reason,
            event_id=parsed.event_id,
            event_time=parsed.event_time,
            account=account,
            region=parsed.region,
        )

    try:
        if not accounts.is_member(account):
            return settled(
                Decision.UNSUPPORTED,
                f"refused: account {account} is not an account of the organization (an event "
                "the organization's bus should never have accepted)",
            )
        units = accounts.units_of(account) if _needs_units(settings, account) else ()
    except ClientError as exc:
        if not is_access_denied(exc):
            raise  # throttling that outlasted botocore's retries: the event is retried
        operation = getattr(exc, "operation_name", "?")
        return settled(
            Decision.ERROR,
            f"access denied on organizations {operation} ({error_code(exc)}): the hub runs in "
            "the management account or a delegated administrator, with the Organizations "
            "read permissions of its role; nothing was changed",
        )
    ring = settings.ring_of(account, units)
    if ring is not None:
        settings = dataclasses.replace(settings, ring=ring)
    return settings, _LazyMember(accounts, account, parsed.region)


def _needs_units(settings: RuntimeSettings, account: str) -> bool:
    """True when an OU or root entry could decide the account's ring."""
    return account not in settings.organization_modes and any(
        not key.isdigit() for key in settings.organization_modes
    )


class _LazyMember(Clients):
    """Clients in a member account whose role is assumed on the first client asked for:
    an event settled without an AWS call (ignored, off, malformed) assumes nothing."""

    def __init__(self, accounts: Any, account: str, region: str | None) -> None:
        super().__init__()
        self._accounts, self._account, self._region = accounts, account, region

    def get(self, service: str, region: str | None = None) -> Any:
        return self._accounts.clients_for(self._account, self._region).get(service, region)

    def put(self, service: str, region: str | None, client: Any) -> None:
        self._accounts.clients_for(self._account, self._region).put(service, region, client)


def _context(
    settings: RuntimeSettings,
    acting: Clients,
    home: Clients,
    mode: Mode,
    ledger: Ledger | None,
) -> Context:
    return Context(settings, acting, mode, ledger, None if acting is home else home)


def _heartbeat(event: dict[str, Any], settings: RuntimeSettings, clients: Clients) -> Outcome:
    """The scheduled heartbeat: check the guardrail's rules, count a beat, notify problems."""
    from guardrails_runtime import heartbeat

    region = None  # the Lambda's own region: the rules live beside it
    if not heartbeat.is_heartbeat(event):
        outcome = Outcome(heartbeat.EVENT_NAME, None, Decision.UNSUPPORTED, "malformed heartbeat")
    else:
        try:
            outcome = heartbeat.check(event, clients, region)
            if heartbeat.is_organization_beat(event):
                heartbeat.add_problems(outcome, _quiet_members(settings, clients))
        except ClientError as exc:
            outcome = Outcome(
                heartbeat.EVENT_NAME,
                None,
                Decision.ERROR,
                f"the heartbeat could not read the guardrail's rules ({error_code(exc)})",
            )
    return _report(outcome, settings, clients)


def _member_beat(account: str, region: str, settings: RuntimeSettings, clients: Clients) -> Outcome:
    """Hub mode: a member's hourly beat: kept in the ledger, and its forwarding rules
    looked at through the member role (guardrails_runtime.member_beat)."""
    from guardrails_runtime import member_beat

    prefix = settings.member_rules_prefix or ""
    accounts = members(clients, settings)
    try:
        if not accounts.is_member(account):
            return Outcome(
                member_beat.EVENT_NAME,
                None,
                Decision.UNSUPPORTED,
                f"refused: account {account} is not an account of the organization",
                account=account,
                region=region,
            )
        ledger = _open_ledger(settings, clients)
        if ledger is not None:
            ledger.beat(member_beat.BEATS_RESOURCE, account, region, member_beat.FORGET_SECONDS)
        bridge = accounts.clients_for(account, region).get("events", region)
        count, problems = member_beat.rule_problems(bridge, prefix, settings.hub_bus_arn)
    except ClientError as exc:
        if not is_access_denied(exc):
            raise  # throttling, 5xx: the beat is retried
        operation = getattr(exc, "operation_name", "?")
        return Outcome(
            member_beat.EVENT_NAME,
            None,
            Decision.ERROR,
            f"the beat of member {account} in {region} could not be checked: access denied "
            f"on {operation} ({error_code(exc)}); is the member role deployed there?",
            account=account,
            region=region,
        )
    return member_beat.judged(account, region, count, problems)


def _quiet_members(settings: RuntimeSettings, clients: Clients) -> list[str]:
    """Hub mode: what the organization bus's heartbeat adds: members gone quiet (accounts
    that left the organization are not reported)."""
    from guardrails_runtime import member_beat

    ledger = _open_ledger(settings, clients)
    if ledger is None or not settings.member_rules_prefix:
        return []
    accounts = members(clients, settings)
    beats = ledger.beats(member_beat.BEATS_RESOURCE)
    return [
        text
        for account, text in member_beat.quiet(beats, ledger.clock())
        if accounts.is_member(account)
    ]


def _report(outcome: Outcome, settings: RuntimeSettings, clients: Clients) -> Outcome:
    """The end of the guardrail's own events (heartbeat, CloudFormation changes): log,
    metrics, and a notification unless all is well."""
    _log(outcome)
    if settings.metrics_namespace:
        from guardrails_runtime import metrics

        metrics.emit(outcome, settings.metrics_namespace)
    if outcome.decision not in (Decision.COMPLIANT, Decision.IGNORED):  # "all well" is noise
        notify.publish(outcome, settings, clients, None)
    return outcome


def _resend(
    entry: dict[str, Any],
    ledger: Ledger | None,
    settings: RuntimeSettings,
    clients: Clients,
    mode: Mode | None,
) -> Outcome:
    """Publish, once, the notification a failed publish lost; the decision stands as it was."""
    outcome = Outcome.from_dict(dict(entry.get("record") or {}))
    outcome.entry_id = str(entry["id"])
    LOG.info("re-sending the notification of %s (its first publish failed)", outcome.entry_id)
    notify.publish(outcome, settings, clients, mode)
    if ledger is not None:
        _record(ledger, outcome, mode)
    return outcome


def _act(
    remediation: Remediation,
    parsed: Parsed,
    ctx: Context,
    outcome: Outcome,
) -> None:
    try:
        if isinstance(parsed, ApiCall):
            remediation.on_api_call(parsed, ctx, outcome)
        elif isinstance(parsed, Recheck):
            remediation.recheck(parsed.resource, ctx, outcome)
        else:
            remediation.on_compliance_change(parsed, ctx, outcome)
    except (MalformedEventError, InvalidEntryError) as exc:
        outcome.decision, outcome.reason = Decision.UNSUPPORTED, f"malformed event: {exc}"
    except ClientError as exc:
        if not is_access_denied(exc):
            outcome.decision = Decision.ERROR
            outcome.reason = f"retryable AWS error {error_code(exc)}; the event is retried"
            LOG.error(
                "retryable AWS error %s; raising so the event is retried",
                error_code(exc),
                extra={"outcome": outcome.as_dict()},
            )
            if ctx.ledger is not None:
                _record(ctx.ledger, outcome, ctx.mode, final=False)
            raise
        operation = getattr(exc, "operation_name", "?")
        outcome.decision = Decision.ERROR
        outcome.reason = (
            f"access denied on {operation} ({error_code(exc)}): check the guardrail role's "
            f"permissions and any SCP or permissions boundary; nothing was changed"
        )


# Decisions that mean "the resource violates the policy".
_VIOLATIONS = frozenset(
    {Decision.REMEDIATED, Decision.WOULD_REMEDIATE, Decision.NOTIFIED, Decision.EXEMPT}
)


def _name_the_rule(remediation: Remediation, outcome: Outcome) -> None:
    """Give a violation its catalog rule id: the fix's own, else the policy's error rule."""
    if outcome.rule is None and outcome.decision in _VIOLATIONS:
        errors = [r.id for r in remediation.spec.rules if r.level == "error"]
        outcome.rule = errors[0] if len(errors) == 1 else None


def _open_ledger(settings: RuntimeSettings, clients: Clients) -> Ledger | None:
    if not settings.ledger_table:
        return None
    from guardrails_runtime.ledger import Ledger

    return Ledger(settings, clients)


def _previous(ledger: Ledger | None, outcome: Outcome) -> dict[str, Any] | None:
    """This event's entry when it was seen before (a re-delivery, or a retry after an
    error: then not final), else None.

    One read; a failure is kept on the outcome and the event is handled anyway.
    """
    if ledger is None:
        return None
    from guardrails_runtime.ledger import LEDGER_ERRORS, failure

    try:
        return ledger.handled(outcome.event_id)
    except LEDGER_ERRORS as exc:
        problem = failure(exc, "duplicate check") + "; handled anyway"
        outcome.add_ledger_error(problem)
        LOG.error(problem)
        return None


def _earlier_changes(entry: dict[str, Any]) -> list[Change]:
    record = entry.get("record")
    changes = record.get("changes") if isinstance(record, dict) else None
    return [Change.from_dict(c) for c in changes or [] if isinstance(c, dict)]


def _keep_earlier(outcome: Outcome, earlier: list[Change]) -> None:
    """Put the changes an interrupted attempt made in front of the retry's own, so the
    entry (and ``guardrails undo``) knows every change of the event."""
    if not earlier:
        return
    mine = [c for c in outcome.changes if c not in earlier]
    outcome.changes = earlier + mine
    if outcome.decision not in (Decision.REMEDIATED, Decision.ERROR):
        outcome.decision = Decision.REMEDIATED
        outcome.reason = (
            f"{outcome.reason}; the interrupted first attempt had already made "
            f"{len(earlier)} change(s)"
        )


def _ignore_duplicate(previous: dict[str, Any], outcome: Outcome) -> None:
    """Settle a re-delivered event as ``ignored``, naming the first handling."""
    outcome.decision = Decision.IGNORED
    outcome.entry_id = str(previous["id"])
    outcome.reason = (
        f"duplicate delivery: event {outcome.event_id} was already handled at "
        f"{previous.get('at')} ({previous.get('decision')})"
    )


def _record(
    ledger: Ledger,
    outcome: Outcome,
    mode: Mode | None,
    *,
    final: bool = True,
    notified: bool = True,
) -> bool:
    """Write the ledger entry (True when written); a failure is logged and kept on the
    outcome, never raised."""
    from guardrails_runtime.ledger import LEDGER_ERRORS, failure

    try:
        ledger.record(outcome, mode, final=final, notified=notified)
    except LEDGER_ERRORS as exc:
        problem = failure(exc, "write")
        outcome.add_ledger_error(problem)
        LOG.error("%s for event %s", problem, outcome.event_id)
        return False
    return True


def decided_before_aws(event: Any, settings: RuntimeSettings) -> Outcome | None:
    """The outcome when the handler settles ``event`` without any AWS call (a malformed
    record, a region no partition has), else None. ``guardrails replay --emulate`` answers
    those exactly as the handler alone does, before building any emulated state."""
    outcome, _, parsed = _route(event, _parse(event), settings)
    return outcome if parsed is None else None


def _parse(event: Any) -> Parsed | MalformedEventError:
    """The event parsed, or the error that says why it cannot be (reported, not raised)."""
    try:
        return parse(event)
    except MalformedEventError as exc:
        return exc


def _route(
    event: Any,
    parsed: Parsed | MalformedEventError,
    settings: RuntimeSettings,
    policy: str | None = None,
) -> tuple[Outcome, Remediation | None, Parsed | None]:
    """Pick the remediation for the parsed event, or settle the outcome right away."""
    if isinstance(parsed, MalformedEventError):
        name = _guess_event_name(event)
        return Outcome(name, None, Decision.UNSUPPORTED, f"malformed event: {parsed}"), None, None
    outcome = Outcome(
        event_name=parsed.event_name,
        policy=None,
        decision=Decision.ERROR,
        reason="not decided",
        event_id=parsed.event_id,
        event_time=parsed.event_time,
        account=parsed.account,
        region=parsed.region,
    )
    if parsed.region is not None and not known_region(parsed.region):
        outcome.decision = Decision.UNSUPPORTED
        outcome.reason = f"malformed event: region {parsed.region!r} is not an AWS region"
        return outcome, None, None
    if isinstance(parsed, ComplianceChange):
        return _route_compliance(parsed, settings, outcome)
    if isinstance(parsed, Recheck):
        return _route_recheck(parsed, settings, outcome)
    outcome.actor = parsed.actor
    found = claimers(parsed.event_source, parsed.event_name, settings.deployed)
    remediation = next((r for r in found if policy in (None, r.policy)), None)
    if remediation is not None:
        outcome.policy = remediation.policy
        if any(
            t.shared
            and t.event_source == parsed.event_source
            and parsed.event_name in t.event_names
            for t in remediation.spec.triggers
        ):
            # A policy sharing the event: its own ledger entry, beside the owner's.
            outcome.event_id = f"{outcome.event_id}#{remediation.policy}"
    skip = _skip_reason(parsed, remediation, settings)
    if skip is not None:
        outcome.decision, outcome.reason = skip
        return outcome, None, None
    return outcome, remediation, parsed


def _skip_reason(
    call: ApiCall, remediation: Remediation | None, settings: RuntimeSettings
) -> tuple[Decision, str] | None:
    if call.error_code:
        return Decision.IGNORED, f"the call failed ({call.error_code}); nothing changed"
    if settings.remediator_role_arn and call.made_by_role(
        settings.remediator_role_arn, settings.remediator_session
    ):
        return Decision.IGNORED, "the call was made by the guardrail itself"
    if settings.remediator_role_arn and call.made_by_role(settings.remediator_role_arn):
        # The guardrail's role, another session: someone borrowed it. Judge the change.
        LOG.warning("a call under the guardrail's role but not its session: %s", call.actor or "?")
    if settings.member_role_name and call.account:
        from guardrails_runtime.org import MEMBER_SESSION, member_role_arn

        role = member_role_arn(call.account, settings.member_role_name, call.region)
        if call.made_by_role(role, MEMBER_SESSION):
            return Decision.IGNORED, "the call was made by the guardrail itself (member role)"
        if call.made_by_role(role):
            LOG.warning("a call under the member role but not its session: %s", call.actor or "?")
    if remediation is None:
        if call.read_only:
            return Decision.IGNORED, "read-only call"
        return Decision.UNSUPPORTED, f"no guardrail handles {call.event_source} {call.event_name}"
    if call.event_name in remediation.ignored_events:
        return Decision.IGNORED, remediation.ignored_events[call.event_name]
    if call.read_only:
        return Decision.IGNORED, "read-only call"
    if settings.mode_for(remediation.policy) is Mode.OFF:
        return Decision.IGNORED, f"policy {remediation.policy} is off"
    return None


def _route_compliance(
    change: ComplianceChange, settings: RuntimeSettings, outcome: Outcome
) -> tuple[Outcome, Remediation | None, ComplianceChange | None]:
    outcome.resource = change.resource_id
    policy = settings.config_rules.get(change.rule_name)
    remediation = by_policy(policy) if policy else None
    if remediation is None:
        outcome.decision = Decision.UNSUPPORTED
        outcome.reason = f"Config rule {change.rule_name!r} is not one of the guardrails' rules"
        return outcome, None, None
    outcome.policy = remediation.policy
    if change.resource_type not in remediation.config_resource_types:
        outcome.decision = Decision.UNSUPPORTED
        outcome.reason = (
            f"resource type {change.resource_type!r} is not one that {remediation.policy} "
            f"fixes ({', '.join(remediation.config_resource_types) or 'none'})"
        )
        return outcome, None, None
    if change.compliance != "NON_COMPLIANT":
        outcome.decision = Decision.IGNORED
        outcome.reason = f"Config reports {change.compliance}"
        return outcome, None, None
    if settings.mode_for(remediation.policy) is Mode.OFF:
        outcome.decision, outcome.reason = Decision.IGNORED, f"policy {remediation.policy} is off"
        return outcome, None, None
    return outcome, remediation, change


def _route_recheck(
    recheck: Recheck, settings: RuntimeSettings, outcome: Outcome
) -> tuple[Outcome, Remediation | None, Recheck | None]:
    """A re-check the guardrail scheduled: the policy's fix looks at the resource again."""
    outcome.resource = recheck.resource
    remediation = by_policy(recheck.policy)
    if remediation is None:
        outcome.decision = Decision.UNSUPPORTED
        outcome.reason = f"re-check of {recheck.policy!r}: no such policy with a fix"
        return outcome, None, None
    outcome.policy = remediation.policy
    if settings.mode_for(remediation.policy) is Mode.OFF:
        outcome.decision, outcome.reason = Decision.IGNORED, f"policy {remediation.policy} is off"
        return outcome, None, None
    return outcome, remediation, recheck


def _guess_event_name(event: Any) -> str:
    if isinstance(event, Mapping):
        detail = event.get("detail")
        for source in (event, detail if isinstance(detail, Mapping) else {}):
            name = source.get("eventName")
            if isinstance(name, str) and name:
                return name
    return "unknown"


def _log(outcome: Outcome) -> None:
    level = logging.ERROR if outcome.decision is Decision.ERROR else logging.INFO
    LOG.log(
        level,
        "%s %s %s: %s",
        outcome.decision.value,
        outcome.policy or "-",
        outcome.resource or "-",
        outcome.reason,
        extra={"outcome": outcome.as_dict()},
    )
