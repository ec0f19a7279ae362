"""The remediation ledger: what the guardrail did, who caused it, and how to undo it.

One DynamoDB table, created by the stack (``guardrails.ledger.LedgerTable``):

- partition key ``id`` (S); TTL attribute ``expiresAt`` (epoch seconds);
- GSI ``byResource`` (``resource``, ``at``) for a resource's history and flapping counts;
- GSI ``byDay`` (``day``, ``at``) for ``guardrails history --since`` without a resource.

Items:

- a **decision entry** per event whose decision is worth keeping (``remediated``,
  ``would-remediate``, ``notified``, ``exempt``, ``error``). Its id is the event's id (the
  CloudTrail ``eventID``, or the EventBridge ``id`` of a Config event), which is what
  makes re-delivered events recognisable. ``record`` holds the whole outcome as JSON,
  including each change's exact ``undoCall``. A retryable failure is written with
  ``final = false``, with the changes made before the error, and overwritten by the
  retry's entry, which keeps those changes beside its own; only final entries deduplicate.
- an **undo entry** (id ``undo-<uuid>``, decision ``undone``) written by ``guardrails undo``;
  the undone entry gets ``undoneBy``/``undoneAt``/``undoEntry``.
- a **hold** item per resource and account (id ``hold#<account>#<resource>``, or
  ``hold#<resource>`` when the event named no account; in no index): until
  ``holdUntil_<fingerprint>`` the guardrail only notifies about that violation of the
  resource (the fingerprint of :attr:`Outcome.fingerprint`: another violation of the same
  resource is still fixed); ``holdUntil`` alone holds every violation (an undo of an entry
  written before fingerprints existed). Started by flapping (N remediations of the same
  violation within M minutes, one escalation, and a re-check scheduled for the hold's end:
  :mod:`guardrails_runtime.recheck`) or by ``guardrails undo`` (so the guardrail does not
  revert the undo's own CloudTrail event).

Failure policy: the ledger never blocks a remediation. A failed read (dedup, hold check)
is treated as "nothing known" and the guardrail acts; a failed write leaves the decision
as it is. Either way the error is logged and carried in ``Outcome.ledger_error``, so the
notification and the ``LedgerErrors`` metric show it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from guardrails_runtime.aws import Clients, error_code
from guardrails_runtime.model import Decision, Mode, Outcome
from guardrails_runtime.settings import RuntimeSettings

LOG = logging.getLogger("guardrails")

BY_RESOURCE = "byResource"
BY_DAY = "byDay"
HOLD_PREFIX = "hold#"
UNDO_PREFIX = "undo-"
UNDONE = "undone"
LEDGER_ERRORS = (ClientError, BotoCoreError)


def hold_id(resource: str, account: str | None) -> str:
    """The id of the hold item of ``resource`` in ``account``: a hub's ledger keeps every
    member account's, and names such as an RDS instance's repeat across accounts (a hold
    in one account must never hold a fix back in another)."""
    return f"{HOLD_PREFIX}{account}#{resource}" if account else HOLD_PREFIX + resource


def table_spec(name: str) -> dict[str, Any]:
    """The table as ``CreateTable`` arguments: what the stack deploys (a synth test holds the
    two equal), and what ``guardrails replay --emulate`` and the tests create in moto."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": a, "AttributeType": "S"} for a in ("id", "resource", "day", "at")
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": key, "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, key in ((BY_RESOURCE, "resource"), (BY_DAY, "day"))
        ],
    }


TTL_ATTRIBUTE = "expiresAt"


class LedgerError(Exception):
    """A ledger request that cannot be served (unknown entry, nothing to undo...)."""


def iso(epoch: float) -> str:
    """``2026-11-28T02:41:33.123Z``: sortable, so it is the index sort key."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    return {"S": str(value)}


def _item(**fields: Any) -> dict[str, Any]:
    """A low-level DynamoDB item from plain values (``None`` values are left out)."""
    return {k: _attr(v) for k, v in fields.items() if v is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """The plain dict of an item; ``record`` is decoded from its JSON."""
    out: dict[str, Any] = {}
    for key, typed in item.items():
        kind, value = next(iter(typed.items()))
        if kind == "N":
            number = float(value)
            out[key] = int(number) if number.is_integer() else number
        elif kind == "S" and key == "record":
            out[key] = json.loads(value)
        else:
            out[key] = value
    return out


class Ledger:
    """Reads and writes the ledger table for one Lambda container or one CLI run."""

    def __init__(
        self,
        settings: RuntimeSettings,
        clients: Clients,
        *,
        region: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not settings.ledger_table:
            raise LedgerError("no ledger table configured (GUARDRAILS_LEDGER_TABLE or --table)")
        self.table: str = settings.ledger_table
        self.settings = settings
        self.clients = clients
        self.region = region or settings.ledger_region
        self.clock = clock

    @property
    def _db(self) -> Any:
        return self.clients.get("dynamodb", self.region)

    # --- used by the handler --------------------------------------------------------------

    def handled(self, event_id: str | None) -> dict[str, Any] | None:
        """The entry of an event seen before (a re-delivery or a retry), else None: final
        when it was handled, not final when a retryable error interrupted it (its changes
        are then the ones that were made before the error)."""
        if not event_id:
            return None
        return self._get(event_id)

    def record(
        self, outcome: Outcome, mode: Mode | None, *, final: bool = True, notified: bool = True
    ) -> str:
        """Write the decision entry of ``outcome``; returns its id (also set on the outcome).

        ``notified=False`` marks a decision whose notification could not be published: the
        re-delivery of the event publishes it (once) instead of being ignored.
        """
        now = self.clock()
        entry_id = outcome.event_id or f"evt-{uuid.uuid4()}"
        outcome.entry_id = entry_id
        body = outcome.as_dict()
        body["mode"] = mode.value if mode else None
        self._put_entry(
            entry_id,
            now,
            resource=outcome.resource or "-",
            decision=outcome.decision.value,
            policy=outcome.policy or "-",
            eventName=outcome.event_name,
            actor=outcome.actor,
            account=outcome.account,
            region=outcome.region,
            final=final,
            fingerprint=outcome.fingerprint,
            notified=None if notified else False,
            record=body,
        )
        return entry_id

    def beat(self, resource: str, account: str, region: str, keep_seconds: int) -> None:
        """Keep the time of a member's latest beat (one item per account and region, under
        ``resource`` in the resource index) for ``keep_seconds``."""
        now = self.clock()
        self._db.put_item(
            TableName=self.table,
            Item=_item(
                id=f"beat#{account}#{region}",
                resource=resource,
                at=iso(now),
                account=account,
                region=region,
                expiresAt=int(now) + keep_seconds,
            ),
        )

    def beats(self, resource: str) -> list[dict[str, Any]]:
        """Every member's latest beat kept under ``resource``."""
        return list(self._resource_entries(resource, None, None))

    def hold_reason(self, outcome: Outcome) -> str | None:
        """Why the guardrail must not revert this violation of ``outcome.resource`` now, or
        None.

        A live hold of the violation (or of the whole resource) answers at once (1 read).
        Otherwise the resource's ``remediated`` entries of the same violation since the
        window start (or since its last hold ended) are counted (1 query); at
        ``flap_threshold`` a hold starts, and the event that starts it (and only that one:
        the hold is a conditional write) carries the escalation and schedules the re-check
        of the resource for the hold's end.
        """
        resource = outcome.resource
        if not resource:
            return None
        s = self.settings
        now = self.clock()
        fingerprint = outcome.fingerprint or ""
        account = outcome.account
        holds = self._get(hold_id(resource, account)) or {}
        for key in (_hold_key(fingerprint), _hold_key("")):
            until = float(holds.get(key, 0) or 0)
            if until > now:
                reason = holds.get(_field("reason", key), "held")
                return f"on hold until {iso(until)} ({reason})"
        since = now - s.flap_window_minutes * 60
        since = max(since, float(holds.get(_hold_key(fingerprint), 0) or 0))
        reverted = [
            e
            for e in self._resource_entries(resource, iso(since), Decision.REMEDIATED.value)
            if e.get("fingerprint") == fingerprint
            and (account is None or e.get("account") == account)
        ]
        if len(reverted) < s.flap_threshold:
            return None
        actors = Counter(str(e["actor"]) for e in reverted if e.get("actor"))
        if outcome.actor:
            actors[outcome.actor] += 1
        culprit = actors.most_common(1)[0][0] if actors else "an unknown actor"
        until = now + s.flap_cooldown_minutes * 60
        reason = (
            f"flapping: this violation was reverted {len(reverted)} times in the last "
            f"{s.flap_window_minutes} min and re-applied again, mostly by {culprit}; only "
            f"notifying about it until {iso(until)}"
        )
        try:
            self._put_hold(
                resource,
                fingerprint,
                now=now,
                until=until,
                reason=reason,
                actor=culprit,
                only_if_free=True,
                account=account,
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return reason  # another invocation started the same hold and escalated
        from guardrails_runtime import recheck

        then = recheck.schedule(
            s,
            self.clients,
            policy=str(outcome.policy),
            resource=resource,
            region=outcome.region,
            account=outcome.account,
            when=until,
            reason=f"the flapping hold on {resource} ended",
        )
        outcome.escalation = (
            f"{outcome.policy} on {resource}: the guardrail reverted this change "
            f"{len(reverted)} times within {s.flap_window_minutes} minutes and "
            f"{culprit} keeps re-applying it (often a deployment pipeline or a "
            f"configuration tool). It stops reverting this violation until {iso(until)} and "
            f"only notifies; any other violation of {resource} is still reverted. Then {then}. "
            f"Fix the source of the change, or exempt the resource."
        )
        return reason

    # --- used by the CLI ------------------------------------------------------------------

    # --- writes ---------------------------------------------------------------------------

    def _put_entry(
        self, entry_id: str, now: float, *, record: dict[str, Any], **fields: Any
    ) -> None:
        """An entry (decision or undo): indexed by resource and day, expiring after the TTL."""
        self._db.put_item(
            TableName=self.table,
            Item=_item(
                id=entry_id,
                at=iso(now),
                day=iso(now)[:10],
                expiresAt=int(now) + self.settings.ledger_ttl_days * 86400,
                record=json.dumps(record, sort_keys=True, default=str),
                **fields,
            ),
        )

    def _put_hold(
        self,
        resource: str,
        fingerprint: str,
        *,
        now: float,
        until: float,
        reason: str,
        actor: str,
        only_if_free: bool,
        account: str | None = None,
    ) -> None:
        """Hold one violation (``fingerprint``; empty: every violation) of ``resource`` of
        ``account`` until ``until``; ``only_if_free``: unless that hold is still live
        (ConditionalCheckFailedException then). The resource's other holds stay."""
        key = _hold_key(fingerprint)
        names = {"#u": key, "#r": _field("reason", key), "#a": _field("actor", key)}
        names |= {"#s": _field("startedAt", key), "#e": TTL_ATTRIBUTE}
        values = {
            ":u": {"N": str(int(until))},
            ":r": {"S": reason},
            ":a": {"S": actor},
            ":s": {"S": iso(now)},
            ":e": {"N": str(int(until) + self.settings.ledger_ttl_days * 86400)},
        }
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"id": {"S": hold_id(resource, account)}},
            "UpdateExpression": "SET #u = :u, #r = :r, #a = :a, #s = :s, #e = :e",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if only_if_free:
            request["ConditionExpression"] = "attribute_not_exists(#u) OR #u < :now"
            values[":now"] = {"N": str(int(now))}
        self._db.update_item(**request)

    # --- reads ----------------------------------------------------------------------------

    def _get(self, entry_id: str) -> dict[str, Any] | None:
        got = self._db.get_item(
            TableName=self.table, Key={"id": {"S": entry_id}}, ConsistentRead=True
        ).get("Item")
        return _plain(got) if got else None

    def _resource_entries(
        self,
        resource: str,
        since: str | None,
        decision: str | None,
        *,
        newest_first: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """The items indexed under ``resource``, written at ``since`` or later (None: any
        time; DynamoDB refuses an empty string as a key value)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": BY_RESOURCE,
            "KeyConditionExpression": "#r = :r",
            "ExpressionAttributeNames": {"#r": "resource"},
            "ExpressionAttributeValues": {":r": {"S": resource}},
            "ScanIndexForward": not newest_first,
        }
        if since is not None:
            request["KeyConditionExpression"] += " AND #at >= :since"
            request["ExpressionAttributeNames"]["#at"] = "at"
            request["ExpressionAttributeValues"][":since"] = {"S": since}
        if decision:
            request["FilterExpression"] = "#d = :d"
            request["ExpressionAttributeNames"]["#d"] = "decision"
            request["ExpressionAttributeValues"][":d"] = {"S": decision}
        yield from self._query(request)

    def _query(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            page = self._db.query(**request)
            for item in page.get("Items", []):
                yield _plain(item)
            if not page.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _hold_key(fingerprint: str) -> str:
    """The hold item's attribute for one violation (``holdUntil``: every violation)."""
    return f"holdUntil_{fingerprint}" if fingerprint else "holdUntil"


def _field(name: str, key: str) -> str:
    """The companion attribute of a hold: ``reason_<fingerprint>`` (``reason`` for all)."""
    return name + key[len("holdUntil") :]


def failure(exc: BaseException, doing: str) -> str:
    """One line for a ledger failure: what was being done and the AWS error."""
    code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
    return f"ledger {doing} failed ({code})"
