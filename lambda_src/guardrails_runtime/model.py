"""Canonical model shared by every reader, policy and remediation.

Immutable value types are NamedTuples: they are several times cheaper to define than
frozen dataclasses, and this module is on the Lambda's cold-start path.

Readers translate a source (boto3 API shape, CloudTrail request, CloudFormation,
Terraform) into these types; policies only ever see these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Decision(enum.StrEnum):
    """What the guardrail decided for one event (the `decision` field of the contract)."""

    REMEDIATED = "remediated"
    WOULD_REMEDIATE = "would-remediate"
    NOTIFIED = "notified"
    EXEMPT = "exempt"
    COMPLIANT = "compliant"
    IGNORED = "ignored"
    UNSUPPORTED = "unsupported"
    ERROR = "error"


# Decisions written to the remediation ledger: what the guardrail did or would do, errors.
RECORDED_DECISIONS = frozenset(
    {
        Decision.REMEDIATED,
        Decision.WOULD_REMEDIATE,
        Decision.NOTIFIED,
        Decision.EXEMPT,
        Decision.ERROR,
    }
)


class Mode(enum.StrEnum):
    """How a policy reacts: revert, only notify (dry-run), or not at all."""

    REMEDIATE = "remediate"
    NOTIFY = "notify"
    OFF = "off"


class SourceKind(enum.StrEnum):
    """Where an ingress entry lets traffic come from."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"
    PREFIX_LIST = "prefix-list"
    GROUP = "group"


class InvalidEntryError(ValueError):
    """An ingress entry whose source or ports cannot be interpreted (the event is
    ``unsupported``)."""


class IngressEntry(NamedTuple):
    """One ingress permission entry: a protocol, a port range and exactly one source.

    ``protocol`` is kept as AWS spells it (``tcp``, ``6``, ``-1``...); policies normalise
    it. ``from_port``/``to_port`` are ``None`` when absent. ``rule_id`` is the
    security-group rule id where the source knows it.
    """

    protocol: str
    from_port: int | None
    to_port: int | None
    source: str
    kind: SourceKind
    description: str | None = None
    rule_id: str | None = None


class UnknownSource(NamedTuple):
    """An ingress entry whose source is unknown before deployment (a static-plane fact):
    ``worst`` is the entry as if the source were the whole internet, so a policy warns
    only where that could violate (an unknown source on an allowed port cannot)."""

    worst: IngressEntry
    unknown: Unresolved


class UndoCall(NamedTuple):
    """The one AWS API call that restores what a :class:`Change` removed or changed.

    ``operation`` is the boto3 method name of ``service``'s client; ``params`` its exact
    arguments. ``guardrails undo`` makes this call (in the change's region) with the
    caller's credentials; ``Change.undo`` is the same call as an AWS CLI command.
    """

    service: str
    operation: str
    params: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "operation": self.operation, "params": self.params}


class Change(NamedTuple):
    """One thing the guardrail changed, or would change in dry-run."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        """The inverse of :meth:`as_dict` (ledger records)."""
        call = data.get("undoCall")
        return cls(
            str(data.get("action")),
            str(data.get("resource")),
            dict(data.get("detail") or {}),
            str(data.get("undo") or ""),
            UndoCall(str(call["service"]), str(call["operation"]), dict(call["params"]))
            if isinstance(call, dict)
            else None,
        )

    action: str
    resource: str
    detail: dict[str, Any]
    undo: str
    undo_call: UndoCall | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "detail": self.detail,
            "undo": self.undo,
            "undoCall": self.undo_call.as_dict() if self.undo_call else None,
        }


@dataclass
class Outcome:
    """Everything the handler reports about one event."""

    event_name: str
    policy: str | None
    decision: Decision
    reason: str
    resource: str | None = None
    resource_arn: str | None = None
    changes: list[Change] = field(default_factory=list)
    event_id: str | None = None
    event_time: str | None = None
    account: str | None = None
    region: str | None = None
    actor: str | None = None
    # Set by the ledger: the entry id (``guardrails undo ID``), and what went wrong writing
    # or reading it (the decision stands either way).
    entry_id: str | None = None
    ledger_error: str | None = None
    # Set when this event started a flapping hold: the one escalation message.
    escalation: str | None = None
    # The catalog rule the resource violates (GR-SG1, ...), as findings name it in every
    # plane; None when nothing violates (or the event was never judged).
    rule: str | None = None
    # What the violation is, as a short digest of the policy and the violation's text
    # (no ids): flapping holds are keyed by it, so another violation is still fixed.
    fingerprint: str | None = None
    # Why an exemption tag on the resource did not count (expired...): added to the reason.
    exemption_note: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        """The inverse of :meth:`as_dict` (a ledger record)."""
        return cls(
            event_name=str(data.get("eventName") or "unknown"),
            policy=data.get("policy"),
            decision=Decision(str(data.get("decision"))),
            reason=str(data.get("reason") or ""),
            resource=data.get("resource"),
            resource_arn=data.get("resourceArn"),
            changes=[Change.from_dict(c) for c in data.get("changes") or [] if isinstance(c, dict)],
            event_id=data.get("eventId"),
            event_time=data.get("eventTime"),
            account=data.get("account"),
            region=data.get("region"),
            actor=data.get("actor"),
            entry_id=data.get("entryId"),
            ledger_error=data.get("ledgerError"),
            escalation=data.get("escalation"),
            rule=data.get("rule"),
            fingerprint=data.get("fingerprint"),
        )

    def add_ledger_error(self, problem: str) -> None:
        """Keep every ledger problem of this event (a read and a write can both fail)."""
        self.ledger_error = f"{self.ledger_error}; {problem}" if self.ledger_error else problem

    def as_dict(self) -> dict[str, Any]:
        return {
            "eventName": self.event_name,
            "policy": self.policy,
            "rule": self.rule,
            "decision": self.decision.value,
            "reason": self.reason,
            "resource": self.resource,
            "resourceArn": self.resource_arn,
            "changes": [c.as_dict() for c in self.changes],
            "eventId": self.event_id,
            "eventTime": self.event_time,
            "account": self.account,
            "region": self.region,
            "actor": self.actor,
            "entryId": self.entry_id,
            "ledgerError": self.ledger_error,
            "escalation": self.escalation,
            "fingerprint": self.fingerprint,
        }


# --- static plane (templates and plans) ---------------------------------------------------


class Unresolved(NamedTuple):
    """A value a reader could not resolve: an unresolved ``Ref``, an unknown plan value...

    Policies turn it into a warning that names ``where`` and ``why``; never a pass.
    """

    where: str
    why: str


class ResourceRef(NamedTuple):
    """A reference to a resource of the same template (``Ref`` or ``Fn::GetAtt``)."""

    logical_id: str
    attribute: str = ""

    def describe(self) -> str:
        return f"{self.logical_id}.{self.attribute}" if self.attribute else self.logical_id


class RuleInfo(NamedTuple):
    """One rule of the catalog. Ids are stable and never reused once released."""

    id: str
    policy: str
    level: str  # "error" | "warning"
    info: str  # what the violation is
    explanation: str  # why it matters
    fix: str  # how to fix it
    # The planes that judge this rule when not all of its policy's do (GR-CT3 judges a
    # change, so only the react plane has it); empty: every plane of the policy.
    planes: tuple[str, ...] = ()

    @property
    def prevent(self) -> bool:
        """True when templates and plans are judged for this rule."""
        return not self.planes or "prevent" in self.planes


class Violation(NamedTuple):
    """A rule broken by one resource; ``location`` is the field path inside the resource."""

    rule: str
    message: str
    location: str = ""


@dataclass
class Subject:
    """One resource as the static policies see it, whatever the source format.

    ``kind`` is the ``KIND`` of the resource adapter that read it; ``facts`` is that
    adapter's typed value (a NamedTuple, possibly holding :class:`Unresolved` values),
    which the policies of that kind evaluate.
    """

    kind: str
    address: str
    resource_type: str
    file: str
    tags: dict[str, str] | Unresolved = field(default_factory=dict)
    facts: Any = None
    # The CDK construct that made the resource (``aws:cdk:path`` metadata), when known.
    construct_path: str = ""
    # What the verdict assumed, as (field path, text): a parameter's default at that
    # field, a condition that is false with the values given ("" = the whole resource).
    notes: tuple[tuple[str, str], ...] = ()
    # The subject this one repeats with another branch of an Fn::If (the scan reports
    # only the findings the original does not have).
    variant_of: Subject | None = None
    # Where in its file the resource is written when that is not its own key (a
    # CloudFormation resource an Fn::ForEach loop made: the path of the loop's fragment).
    origin: tuple[str | int, ...] = ()


# Ports that may be open to the whole internet unless configured otherwise (one definition:
# the settings, the policies and the CLI read it here).
DEFAULT_ALLOWED_PORTS: frozenset[int] = frozenset({80, 443})


class PolicyOptions(NamedTuple):
    """The knobs of the static policies; defaults equal the runtime's defaults."""

    allowed_public_ports: frozenset[int] = DEFAULT_ALLOWED_PORTS
    require_kms: bool = False
    # ebs-encryption (prevent): a volume that leaves encryption unset passes, because the
    # accounts enforce EBS encryption by default.
    ebs_encrypted_by_default: bool = False
