"""What every remediation is: its triggers, its IAM needs (as data), and two handlers."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from guardrails_runtime.aws import Clients
from guardrails_runtime.events import ApiCall, ComplianceChange, MalformedEventError
from guardrails_runtime.model import Decision, Mode, Outcome
from guardrails_runtime.settings import RuntimeSettings
from guardrails_runtime.spec import IamGrant, PolicySpec

if TYPE_CHECKING:
    from guardrails_runtime.ledger import Ledger


class Context(NamedTuple):
    """Everything a remediation may use: settings, clients and the mode for its policy.

    ``clients`` act in the account of the event (in hub mode, through that account's
    member role); ``home`` are the guardrail's own (its scheduler, its ledger), None when
    they are the same."""

    settings: RuntimeSettings
    clients: Clients
    mode: Mode
    ledger: Ledger | None = None
    home: Clients | None = None

    @property
    def own_clients(self) -> Clients:
        """Clients in the guardrail's own account (schedules, the ledger)."""
        return self.home if self.home is not None else self.clients

    @property
    def dry_run(self) -> bool:
        return self.mode is not Mode.REMEDIATE


def violation_fingerprint(policy: str | None, why: str) -> str:
    """A short, stable digest of what violates (policy and the violation's text)."""
    return hashlib.sha256(f"{policy}\n{why}".encode()).hexdigest()[:16]


def done(outcome: Outcome, decision: Decision, reason: str) -> Outcome:
    """Settle an outcome's decision and reason (with the note of an exemption that did not
    count, when there was one)."""
    note = outcome.exemption_note
    outcome.decision, outcome.reason = decision, f"{reason}; {note}" if note else reason
    return outcome


def held_back(outcome: Outcome, ctx: Context, why: str, exempt: str | None) -> Outcome | None:
    """The outcome when the guardrail must not act, else None (go ahead and fix).

    In this order: exempt -> ``exempt``; notify mode -> ``would-remediate``; a flapping or
    undo hold on this violation of the resource (see :mod:`guardrails_runtime.ledger`)
    -> ``would-remediate``. A ledger that cannot be read never holds a fix back: the error
    is kept on the outcome.

    ``why`` says what violates, without ids: its digest is the violation's fingerprint, so
    a pipeline re-applying the same change is held while any other violation of the same
    resource is still fixed.
    """
    outcome.fingerprint = violation_fingerprint(outcome.policy, why)
    if exempt is not None:
        return done(outcome, Decision.EXEMPT, f"{why}; left as is: {exempt}")
    if ctx.dry_run:
        opt_in = ""
        if ctx.settings.mode is Mode.REMEDIATE and outcome.policy not in ctx.settings.policy_modes:
            opt_in = f" ({outcome.policy}'s fix acts only with policyModes set to remediate)"
        return done(
            outcome,
            Decision.WOULD_REMEDIATE,
            f"{why}; mode is {ctx.mode.value}{opt_in}, nothing was changed",
        )
    if ctx.ledger is not None:
        from guardrails_runtime.ledger import LEDGER_ERRORS, failure

        try:
            hold = ctx.ledger.hold_reason(outcome)
        except LEDGER_ERRORS as exc:
            outcome.add_ledger_error(failure(exc, "flapping check") + "; acted anyway")
            hold = None
        if hold is not None:
            return done(outcome, Decision.WOULD_REMEDIATE, f"{why}; {hold}; nothing was changed")
    return None


def enforce(
    outcome: Outcome, ctx: Context, *, why: str, exempt: str | None, act: Callable[[], str]
) -> Outcome:
    """The common end of every fix: :func:`held_back`, otherwise ``act()`` (which makes the
    write and says what it did) -> ``remediated``.

    ``exempt`` is the reason the resource is left alone, or None when it is not exempt.
    ``act`` makes one write: when it raises, nothing was changed, and the outcome says so
    (its ``changes`` are what the ledger keeps of an interrupted attempt).
    """
    held = held_back(outcome, ctx, why, exempt)
    if held is not None:
        return held
    try:
        result = act()
    except Exception:
        outcome.changes = []
        raise
    return done(outcome, Decision.REMEDIATED, f"{why}; {result}")


def tag_exemption(
    settings: RuntimeSettings, tags: object, what: str, outcome: Outcome | None = None
) -> str | None:
    """The exemption reason when ``tags`` carry an exemption that counts, else None; an
    expired (or unreadable) exemption leaves its note on ``outcome``, so the decision says
    why the resource was not left alone."""
    found = settings.exemption(tags)
    if found.counts:
        note = f" ({found.note})" if found.note else ""
        return (
            f"the {what} carries {settings.exemption_tag_key}={settings.exemption_tag_value}{note}"
        )
    if found.note and outcome is not None:
        outcome.exemption_note = found.note
    return None


class Remediation(abc.ABC):
    """One policy's reactive plane.

    A subclass sets ``spec`` (its policy's :class:`PolicySpec`); the policy id, triggers,
    IAM grants and Config resource types are read from it, never repeated here.

    ``on_api_call`` and ``on_compliance_change`` return an :class:`Outcome`; they raise
    only for AWS errors that a retry could fix (the handler lets those propagate so that
    Lambda's async retries and the dead-letter queue keep the event).
    """

    spec: ClassVar[PolicySpec]
    policy: ClassVar[str]
    event_names: ClassVar[tuple[str, ...]]
    config_resource_types: ClassVar[tuple[str, ...]] = ()
    iam: ClassVar[tuple[IamGrant, ...]]
    # Events that reach the handler but are deliberately out of scope, with the reason.
    ignored_events: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        spec = cls.__dict__.get("spec")
        if spec is None or spec.fix is None:
            return
        cls.policy = spec.id
        cls.event_names = tuple(name for t in spec.triggers for name in t.event_names)
        cls.config_resource_types = spec.fix.config_resource_types
        cls.iam = spec.fix.iam
        cls.ignored_events = {k: v for t in spec.triggers for k, v in t.ignored.items()}

    @abc.abstractmethod
    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        """Decide and act on one CloudTrail record of one of ``event_names``.

        ``outcome`` arrives with the event's facts filled in; the remediation completes it
        (resource, decision, reason, changes) and returns it.
        """

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        """How to exempt the resource, for notifications (None: no way to)."""
        return None

    @abc.abstractmethod
    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        """Decide and act on a NON_COMPLIANT evaluation of the policy's Config rule."""

    def recheck(self, resource: str, ctx: Context, outcome: Outcome) -> Outcome:
        """Look at ``resource`` again (a hold ended, an exemption was withdrawn) and handle
        what still violates.

        By default: as a NON_COMPLIANT evaluation of the resource by the policy's Config
        rule (the fix reads the live resource and judges all of it). A policy that judges
        calls rather than resources overrides this.
        """
        if not self.config_resource_types:
            return done(outcome, Decision.IGNORED, f"{self.policy} has nothing to re-check")
        change = ComplianceChange(
            rule_name=f"{self.policy}-recheck",
            resource_type=self.config_resource_types[0],
            resource_id=resource,
            compliance="NON_COMPLIANT",
            account=outcome.account,
            region=outcome.region,
            event_id=outcome.event_id,
            event_time=outcome.event_time,
        )
        return self.on_compliance_change(change, ctx, outcome)


class OneResource(Remediation):
    """A fix that acts on one resource: the one a CloudTrail call names (:meth:`named`), a
    Config evaluation's resource id, or the resource a re-check names; each goes to
    :meth:`enforce_on`.

    ``missing`` is the malformed-event message when a call names none. ``tagging`` is the
    AWS CLI command that tags the resource, for notifications: ``{resource}`` (the
    outcome's resource) and ``{arn}`` (its ARN) stand where they go; ``tag`` spells the
    exemption tag as the service wants it.
    """

    missing: ClassVar[str] = "the record does not name the resource"
    tagging: ClassVar[tuple[str, ...]] = ()
    tag: ClassVar[str] = "Key={key},Value={value}"

    @abc.abstractmethod
    def named(self, call: ApiCall) -> str | None:
        """The resource a call names, or None."""

    @abc.abstractmethod
    def enforce_on(self, ctx: Context, outcome: Outcome, resource: str) -> Outcome:
        """Read the resource, judge it and fix what violates."""

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        resource = self.named(call)
        if resource is None:
            raise MalformedEventError(self.missing)
        return self.enforce_on(ctx, outcome, resource)

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self.enforce_on(ctx, outcome, change.resource_id)

    def recheck(self, resource: str, ctx: Context, outcome: Outcome) -> Outcome:
        return self.enforce_on(ctx, outcome, resource)

    def exemption_hint(self, outcome: Outcome, settings: RuntimeSettings) -> str | None:
        if not self.tagging:
            return None
        from guardrails_runtime.shell import command, region_args

        service, operation, *rest = self.tagging
        values = {
            "{resource}": outcome.resource or "<resource>",
            "{arn}": outcome.resource_arn or "<resource-arn>",
            "{tag}": self.tag.format(
                key=settings.exemption_tag_key, value=settings.exemption_tag_value
            ),
        }
        return command(
            "aws",
            service,
            operation,
            *region_args(outcome.region),
            *(values.get(arg, arg) for arg in rest),
        )


class WholeRegion(Remediation):
    """A fix of an account- and region-wide setting (a detector, a recorder, a default):
    every call, Config evaluation and re-check looks at the region as it is now, through
    :meth:`enforce_region`."""

    @abc.abstractmethod
    def enforce_region(self, ctx: Context, outcome: Outcome) -> Outcome:
        """Read the region's setting, judge it and fix what violates."""

    def on_api_call(self, call: ApiCall, ctx: Context, outcome: Outcome) -> Outcome:
        return self.enforce_region(ctx, outcome)

    def on_compliance_change(
        self, change: ComplianceChange, ctx: Context, outcome: Outcome
    ) -> Outcome:
        return self.enforce_region(ctx, outcome)

    def recheck(self, resource: str, ctx: Context, outcome: Outcome) -> Outcome:
        return self.enforce_region(ctx, outcome)
