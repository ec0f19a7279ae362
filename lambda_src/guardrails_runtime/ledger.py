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
  ``final = false`` and overwritten by the retry's entry; only final entries deduplicate.
- an **undo entry** (id ``undo-<uuid>``, decision ``undone``) written by ``guardrails undo``;
  the undone entry gets ``undoneBy``/``undoneAt``/``undoEntry``.
- a **hold** (id ``hold#<resource>``, in no index): until ``holdUntil`` the guardrail only
  notifies about the resource. Started by flapping (N remediations within M minutes, one
  escalation) or by ``guardrails undo`` (so the guardrail does not revert the undo).

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
from datetime import UTC, datetime, timedelta
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
        """The final entry of an event already handled (a re-delivery), else None."""
        if not event_id:
            return None
        entry = self._get(event_id)
        return entry if entry and entry.get("final") else None

    def record(self, outcome: Outcome, mode: Mode | None, *, final: bool = True) -> str:
        """Write the decision entry of ``outcome``; returns its id (also set on the outcome)."""
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
            record=body,
        )
        return entry_id

    def hold_reason(self, outcome: Outcome) -> str | None:
        """Why the guardrail must not revert ``outcome.resource`` now, or None.

        A live hold answers at once (1 read). Otherwise the resource's ``remediated``
        entries since the window start (or since the last hold ended) are counted (1
        query); at ``flap_threshold`` a hold starts, and the event that starts it (and
        only that one: the hold is a conditional write) carries the escalation.
        """
        resource = outcome.resource
        if not resource:
            return None
        s = self.settings
        now = self.clock()
        hold = self._get(HOLD_PREFIX + resource)
        if hold and float(hold.get("holdUntil", 0)) > now:
            return f"on hold until {iso(float(hold['holdUntil']))} ({hold.get('reason', 'held')})"
        since = now - s.flap_window_minutes * 60
        if hold:
            since = max(since, float(hold.get("holdUntil", 0)))
        reverted = list(self._resource_entries(resource, iso(since), Decision.REMEDIATED.value))
        if len(reverted) < s.flap_threshold:
            return None
        actors = Counter(str(e["actor"]) for e in reverted if e.get("actor"))
        if outcome.actor:
            actors[outcome.actor] += 1
        culprit = actors.most_common(1)[0][0] if actors else "an unknown actor"
        until = now + s.flap_cooldown_minutes * 60
        reason = (
            f"flapping: reverted {len(reverted)} times in the last {s.flap_window_minutes} min "
            f"and re-applied again, mostly by {culprit}; only notifying until {iso(until)}"
        )
        try:
            self._put_hold(resource, now, until, reason, culprit, only_if_free=True)
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return reason  # another invocation started the same hold and escalated
        outcome.escalation = (
            f"{outcome.policy} on {resource}: the guardrail reverted this change "
            f"{len(reverted)} times within {s.flap_window_minutes} minutes and "
            f"{culprit} keeps re-applying it (often a deployment pipeline or a "
            f"configuration tool). It stops reverting {resource} until {iso(until)} and only "
            f"notifies. Fix the source of the change, or exempt the resource."
        )
        return reason

    # --- used by the CLI ------------------------------------------------------------------

    def entry(self, entry_id: str) -> dict[str, Any]:
        """One entry by id, or a :class:`LedgerError` naming the id and the table."""
        found = self._get(entry_id) if not entry_id.startswith(HOLD_PREFIX) else None
        if not found:
            raise LedgerError(f"no ledger entry {entry_id!r} in table {self.table}")
        return found

    def history(
        self, *, resource: str | None = None, since: float | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Entries newest first: one resource's (any age unless ``since``), or all since."""
        start = iso(since) if since is not None else None
        if resource:
            found = list(self._resource_entries(resource, start or "0", None, newest_first=True))
        else:
            begin = since if since is not None else self.clock() - 7 * 86400
            found = []
            day = datetime.fromtimestamp(self.clock(), UTC).date()
            first = datetime.fromtimestamp(begin, UTC).date()
            while day >= first and len(found) < limit:
                found.extend(self._day_entries(day.isoformat(), iso(begin)))
                day -= timedelta(days=1)
        found.sort(key=lambda e: str(e.get("at", "")), reverse=True)
        return found[:limit]

    def undo(self, entry_id: str, *, actor: str, dry_run: bool) -> dict[str, Any]:
        """Restore what entry ``entry_id`` removed, with the caller's credentials.

        First holds the resource for the cooldown (so the guardrail notifies about the
        restore's own CloudTrail event instead of reverting it; no hold, no change), then
        makes each change's recorded ``undoCall`` (a duplicate means it is already back;
        a failure releases the hold), then writes an undo entry and marks the entry
        undone. ``dry_run`` returns the plan and changes nothing.
        """
        entry = self.entry(entry_id)
        if entry.get("decision") != Decision.REMEDIATED.value:
            raise LedgerError(
                f"entry {entry_id} is {entry.get('decision')!r}: the guardrail changed nothing, "
                "so there is nothing to undo"
            )
        if entry.get("undoneBy"):
            raise LedgerError(
                f"entry {entry_id} was already undone by {entry['undoneBy']} at "
                f"{entry.get('undoneAt')} (entry {entry.get('undoEntry')})"
            )
        record = entry.get("record") or {}
        changes = record.get("changes") or []
        calls = [c.get("undoCall") for c in changes]
        if not changes or not all(calls):
            commands = "; ".join(str(c.get("undo")) for c in changes) or "none"
            raise LedgerError(
                f"entry {entry_id} has no machine-readable undo; run by hand: {commands}"
            )
        region = record.get("region") or entry.get("region")
        plan = {
            "entryId": entry_id,
            "resource": entry.get("resource"),
            "region": region,
            "calls": calls,
            "dryRun": dry_run,
        }
        if dry_run:
            return plan
        # Hold first: the CloudTrail event of the restore must find the hold in place.
        resource = str(entry.get("resource"))
        now = self.clock()
        until = now + self.settings.flap_cooldown_minutes * 60
        try:
            self._put_hold(
                resource,
                now,
                until,
                f"undone by {actor} with guardrails undo {entry_id}",
                actor,
                only_if_free=False,
            )
        except LEDGER_ERRORS as exc:
            raise LedgerError(
                f"nothing was changed: {failure(exc, 'write')} while holding {resource} "
                "for the undo"
            ) from exc
        results = []
        for call in calls:
            client = self.clients.get(call["service"], region)
            try:
                getattr(client, call["operation"])(**call["params"])
                results.append("restored")
            except ClientError as exc:
                if not error_code(exc).endswith("Duplicate"):
                    self._release_hold(resource, actor)
                    done = f" ({len(results)} of {len(calls)} calls made)" if results else ""
                    raise LedgerError(
                        f"undo of {entry_id} failed on {call['operation']}: {error_code(exc)}{done}"
                    ) from exc
                results.append("already in place")
        try:
            undo_id = self._record_undo(entry, plan, results, actor, now)
        except LEDGER_ERRORS as exc:
            raise LedgerError(
                f"restored {resource} ({', '.join(results)}) and held it until {iso(until)}, "
                f"but {failure(exc, 'write')} recording the undo"
            ) from exc
        return {**plan, "results": results, "undoEntry": undo_id, "holdUntil": iso(until)}

    def _record_undo(
        self,
        entry: dict[str, Any],
        plan: dict[str, Any],
        results: list[str],
        actor: str,
        now: float,
    ) -> str:
        """The undo entry and the mark on the undone entry; returns the undo entry's id."""
        entry_id = str(entry["id"])
        undo_id = f"{UNDO_PREFIX}{uuid.uuid4()}"
        self._put_entry(
            undo_id,
            now,
            resource=str(entry.get("resource")),
            decision=UNDONE,
            policy=entry.get("policy"),
            eventName="guardrails undo",
            actor=actor,
            region=plan["region"],
            undoes=entry_id,
            final=True,
            record={**plan, "results": results, "undoes": entry_id, "actor": actor},
        )
        self._db.update_item(
            TableName=self.table,
            Key={"id": {"S": entry_id}},
            UpdateExpression="SET undoneBy = :by, undoneAt = :at, undoEntry = :undo",
            ExpressionAttributeValues={
                ":by": {"S": actor},
                ":at": {"S": iso(now)},
                ":undo": {"S": undo_id},
            },
        )
        return undo_id

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
        now: float,
        until: float,
        reason: str,
        actor: str,
        *,
        only_if_free: bool,
    ) -> None:
        """Hold ``resource`` until ``until``; ``only_if_free``: unless a hold is still live
        (ConditionalCheckFailedException then)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "Item": _item(
                id=HOLD_PREFIX + resource,
                holdUntil=int(until),
                startedAt=iso(now),
                reason=reason,
                actor=actor,
                expiresAt=int(until) + self.settings.ledger_ttl_days * 86400,
            ),
        }
        if only_if_free:
            request["ConditionExpression"] = "attribute_not_exists(id) OR holdUntil < :now"
            request["ExpressionAttributeValues"] = {":now": {"N": str(int(now))}}
        self._db.put_item(**request)

    def _release_hold(self, resource: str, actor: str) -> None:
        """End a hold now (best effort: a hold left in place only expires later)."""
        now = self.clock()
        try:
            self._put_hold(
                resource, now, now, f"released: undo by {actor} failed", actor, only_if_free=False
            )
        except LEDGER_ERRORS:
            LOG.error("could not release the undo hold on %s", resource)

    # --- reads ----------------------------------------------------------------------------

    def _get(self, entry_id: str) -> dict[str, Any] | None:
        got = self._db.get_item(
            TableName=self.table, Key={"id": {"S": entry_id}}, ConsistentRead=True
        ).get("Item")
        return _plain(got) if got else None

    def _resource_entries(
        self, resource: str, since: str, decision: str | None, *, newest_first: bool = False
    ) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": BY_RESOURCE,
            "KeyConditionExpression": "#r = :r AND #at >= :since",
            "ExpressionAttributeNames": {"#r": "resource", "#at": "at"},
            "ExpressionAttributeValues": {":r": {"S": resource}, ":since": {"S": since}},
            "ScanIndexForward": not newest_first,
        }
        if decision:
            request["FilterExpression"] = "#d = :d"
            request["ExpressionAttributeNames"]["#d"] = "decision"
            request["ExpressionAttributeValues"][":d"] = {"S": decision}
        yield from self._query(request)

    def _day_entries(self, day: str, since: str) -> Iterator[dict[str, Any]]:
        yield from self._query(
            {
                "TableName": self.table,
                "IndexName": BY_DAY,
                "KeyConditionExpression": "#d = :d AND #at >= :since",
                "ExpressionAttributeNames": {"#d": "day", "#at": "at"},
                "ExpressionAttributeValues": {":d": {"S": day}, ":since": {"S": since}},
                "ScanIndexForward": False,
            }
        )

    def _query(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            page = self._db.query(**request)
            for item in page.get("Items", []):
                yield _plain(item)
            if not page.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def failure(exc: BaseException, doing: str) -> str:
    """One line for a ledger failure: what was being done and the AWS error."""
    code = error_code(exc) if isinstance(exc, ClientError) else type(exc).__name__
    return f"ledger {doing} failed ({code})"
