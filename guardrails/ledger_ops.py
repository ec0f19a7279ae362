"""The operator's side of the ledger: ``guardrails history`` and ``guardrails undo``.

These run on an operator's machine with the operator's credentials, never in Lambda, so
they live on the CDK/CLI side; the Lambda asset carries only what the handler needs
(:mod:`guardrails_runtime.ledger`: dedup, record, flapping holds).

``undo`` makes only calls that the entry's policy declares in its spec
(``SPEC.fix.undo``): an entry written by anyone who can write the table cannot make the
operator's credentials call anything else.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from guardrails_runtime.aws import Clients, error_code
from guardrails_runtime.ledger import (
    BY_DAY,
    HOLD_PREFIX,
    LEDGER_ERRORS,
    LOG,
    UNDO_PREFIX,
    UNDONE,
    Ledger,
    LedgerError,
    failure,
    iso,
)
from guardrails_runtime.model import Decision
from guardrails_runtime.spec import Undo, spec

# An undo claim older than this (the undo died half-way) may be taken over.
CLAIM_SECONDS = 15 * 60
# The session of a role assumed for an undo: a member's CloudTrail shows the restore as
# this, never as the guardrail's own session (the hub judges it, and the hold applies).
UNDO_SESSION = "guardrails-undo"


def _allowed(entry: dict[str, Any], changes: list[dict[str, Any]]) -> list[Undo]:
    """The declared :class:`Undo` of each change's call. Refuses any call the entry's policy
    does not declare as one of its undo calls, and any call whose target parameter names
    another resource than its change (a forged entry could otherwise show one resource and
    restore access to another)."""
    entry_id, policy = entry.get("id"), entry.get("policy")
    try:
        fix = spec(str(policy)).fix
    except KeyError:
        raise LedgerError(f"entry {entry_id} names no known policy ({policy!r})") from None
    declared = {(u.service, u.operation): u for u in fix.undo} if fix else {}
    shown = {r.strip() for r in str(entry.get("resource") or "").split(",")}
    found: list[Undo] = []
    for change in changes:
        call = change.get("undoCall") or {}
        pair = (str(call.get("service")), str(call.get("operation")))
        if pair not in declared:
            raise LedgerError(
                f"entry {entry_id} asks for {pair[0]}.{pair[1]}, which {policy} does not "
                "declare as an undo call; refusing (see the policy's spec, fix.undo)"
            )
        found.append(declared[pair])
        resource = str(change.get("resource"))
        parameter = declared[pair].target
        if not parameter:
            continue
        value = (call.get("params") or {}).get(parameter)
        values = value if isinstance(value, list) else [value]
        if (
            resource not in shown
            or not values
            or any(_tail(str(v)) != _tail(resource) for v in values)
        ):
            raise LedgerError(
                f"entry {entry_id}: {pair[0]}.{pair[1]} {parameter}={value!r} does not name "
                f"the entry's resource {entry.get('resource')!r}; refusing"
            )
    return found


# Read errors that mean "there is none" (no encryption, no tags, no block...).
_ABSENT = ("NoSuch", "NotFound")


def _at(value: Any, path: str) -> Any:
    for key in path.split(".") if path else []:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _empty(value: Any) -> bool:
    return value is None or value in ([], {})


def _matches(live: Any, left: Any) -> bool:
    """True when the live state still is what the fix left: every key the fix set has its
    value (AWS may add defaults beside it), lists hold the same items, absence is empty."""
    if _empty(left) or _empty(live):
        return _empty(left) and _empty(live)
    if isinstance(left, str) and isinstance(live, str) and left.lstrip().startswith("{"):
        # A policy document kept as JSON text: AWS may re-serialize it.
        try:
            return _matches(json.loads(live), json.loads(left))
        except json.JSONDecodeError:
            return live == left
    if isinstance(left, dict):
        return isinstance(live, dict) and all(_matches(live.get(k), v) for k, v in left.items())
    if isinstance(left, list):
        if not isinstance(live, list) or len(live) != len(left):
            return False
        rest = list(live)
        for item in left:
            match = next((i for i, candidate in enumerate(rest) if _matches(candidate, item)), None)
            if match is None:
                return False
            rest.pop(match)
        return True
    return bool(live == left)


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _tail(name: str) -> str:
    """The last part of a name or ARN: ``arn:...:trail/org`` and ``org`` are one trail,
    ``account/123456789012`` and ``123456789012`` one account."""
    return name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def account_of(entry: dict[str, Any]) -> str | None:
    """The account an entry's event came from (its hold is kept per account)."""
    record = entry.get("record") if isinstance(entry.get("record"), dict) else {}
    account = entry.get("account") or (record or {}).get("account")
    return str(account) if account else None


class Acting(NamedTuple):
    """Where an undo's calls are made: clients, and the account they act in (None: not
    known)."""

    clients: Clients
    account: str | None


class OperatorLedger(Ledger):
    """The ledger with the operator's reads and the undo."""

    def caller(self) -> tuple[str, str | None]:
        """The ARN and account of the ledger's own credentials (``unknown caller`` and
        None when STS does not answer); asked once per ledger."""
        from botocore.exceptions import BotoCoreError

        known: tuple[str, str | None] | None = getattr(self, "_caller", None)
        if known is None:
            try:
                arn = str(self.clients.get("sts", self.region).get_caller_identity()["Arn"])
            except (ClientError, BotoCoreError):
                return "unknown caller", None  # asked again next time: it may answer
            parts = arn.split(":")
            known = self._caller = (arn, parts[4] if len(parts) > 4 and parts[4] else None)
        return known

    def entry(self, entry_id: str) -> dict[str, Any]:
        """One entry by id, or a :class:`LedgerError` naming the id and the table."""
        found = self._get(entry_id) if not entry_id.startswith(HOLD_PREFIX) else None
        if not found:
            raise LedgerError(f"no ledger entry {entry_id!r} in table {self.table}")
        return found

    def history(
        self,
        *,
        resource: str | None = None,
        since: float | None = None,
        limit: int = 50,
        account: str | None = None,
    ) -> list[dict[str, Any]]:
        """Entries newest first: one resource's (any age unless ``since``), or all since;
        only ``account``'s when given (a hub's ledger holds every member account's)."""
        start = iso(since) if since is not None else None

        def wanted(entry: dict[str, Any]) -> bool:
            return account is None or entry.get("account") == account

        if resource:
            found = [
                e
                for e in self._resource_entries(resource, start or "0", None, newest_first=True)
                if wanted(e)
            ]
        else:
            begin = since if since is not None else self.clock() - 7 * 86400
            found = []
            day = datetime.fromtimestamp(self.clock(), UTC).date()
            first = datetime.fromtimestamp(begin, UTC).date()
            while day >= first and len(found) < limit:
                found.extend(e for e in self._day_entries(day.isoformat(), iso(begin)) if wanted(e))
                day -= timedelta(days=1)
        found.sort(key=lambda e: str(e.get("at", "")), reverse=True)
        return found[:limit]

    def acting_as(self, entry_id: str, role: str) -> Acting:
        """Clients in the account of entry ``entry_id``, through ``role``: a role name (in
        that account) or the ARN of a role of that account, assumed with the ledger's
        credentials in session :data:`UNDO_SESSION`. A :class:`LedgerError` names what
        does not fit (an entry without an account, a role of another account)."""
        import re

        from guardrails_runtime.org import session_of

        account = account_of(self.entry(entry_id))
        if account is None:
            raise LedgerError(
                f"entry {entry_id} names no account: --assume-role is for an entry of a "
                "member account (a hub's ledger)"
            )
        if role.startswith("arn:"):
            parts = role.split(":", 5)
            if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
                raise LedgerError(f"--assume-role {role!r} is not the ARN of an IAM role")
            if parts[4] != account:
                raise LedgerError(
                    f"nothing was changed: {role} is not a role of account {account}, the "
                    f"account of entry {entry_id}"
                )
            arn = role
        elif re.fullmatch(r"[\w+=,.@-]{1,64}", role):
            arn_of_caller = self.caller()[0].split(":")
            partition = arn_of_caller[1] if len(arn_of_caller) > 1 and arn_of_caller[1] else "aws"
            arn = f"arn:{partition}:iam::{account}:role/{role}"
        else:
            raise LedgerError(f"--assume-role {role!r} is neither a role name nor a role ARN")
        credentials = self.clients.get("sts", self.region).assume_role(
            RoleArn=arn, RoleSessionName=UNDO_SESSION
        )["Credentials"]
        return Acting(Clients(session_of(credentials)), account)

    def undo(
        self,
        entry_id: str,
        *,
        actor: str,
        dry_run: bool,
        force: bool = False,
        acting: Acting | None = None,
    ) -> dict[str, Any]:
        """Restore what entry ``entry_id`` removed, with the caller's credentials, or with
        ``acting`` (clients in the entry's account, such as an assumed role's).

        The calls are made only in the entry's account: a hub's ledger holds every member
        account's entries, and a call in another account could restore a same-named
        resource there (an RDS snapshot's name repeats across accounts). So an entry that
        names an account other than the one the calls act in (or when that one is not
        known) is refused, before anything is read.

        First reads each resource whose undo replaces state: when it is no longer what the
        fix left, the undo is refused with the difference (``changedSince``; ``force``
        restores anyway), and an undo that merges (an ACL, a tag set) puts back only what
        was removed beside the live value. Then holds the violation for the cooldown (so
        the guardrail notifies about the restore's own CloudTrail event instead of
        reverting it; no hold, no change), makes each call (a duplicate means it is already
        back; a failure releases the hold), writes an undo entry and marks the entry
        undone. ``dry_run`` returns the plan (with ``changedSince``) and changes nothing.
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
        undos = _allowed({**entry, "id": entry_id}, changes)
        if acting is None:
            acting = Acting(self.clients, self.caller()[1])
        account = account_of(entry)
        if account is not None and acting.account != account:
            raise LedgerError(
                f"nothing was changed: entry {entry_id} is of account {account}, and these "
                f"credentials act in account {acting.account or '(unknown: STS did not answer)'}"
                f"; pass --assume-role with a role of account {account} you may assume"
            )
        region = record.get("region") or entry.get("region")
        calls, changed = self._against_live(changes, undos, region, acting.clients)
        plan = {
            "entryId": entry_id,
            "resource": entry.get("resource"),
            "region": region,
            "calls": calls,
            "changedSince": changed,
            "dryRun": dry_run,
            "account": account,
        }
        if dry_run:
            return plan
        if changed and not force:
            raise LedgerError(
                f"nothing was changed: {entry.get('resource')} changed since entry {entry_id} "
                f"({'; '.join(changed)}); --force restores anyway"
            )
        # Claim first: of two concurrent undos of one entry, exactly one goes on.
        resource = str(entry.get("resource"))
        now = self.clock()
        until = now + self.settings.flap_cooldown_minutes * 60
        self._claim(entry_id, actor, now)
        # Hold next: the CloudTrail event of the restore must find the hold in place. It
        # holds the restored violation only (an entry from before fingerprints: all of the
        # resource); no re-check follows an undo: it was a decision, and the notification of
        # the restore's own event says how long the hold lasts.
        fingerprint = str(entry.get("fingerprint") or record.get("fingerprint") or "")
        try:
            self._put_hold(
                resource,
                fingerprint,
                now=now,
                until=until,
                reason=f"undone by {actor} with guardrails undo {entry_id}",
                actor=actor,
                only_if_free=False,
                account=account_of(entry),
            )
        except LEDGER_ERRORS as exc:
            self._release_claim(entry_id)
            raise LedgerError(
                f"nothing was changed: {failure(exc, 'write')} while holding {resource} "
                "for the undo"
            ) from exc
        results = []
        for call in calls:
            client = acting.clients.get(call["service"], region)
            try:
                getattr(client, call["operation"])(**call["params"])
                results.append("restored")
            except ClientError as exc:
                if not error_code(exc).endswith("Duplicate"):
                    self._release_hold(resource, fingerprint, actor, account_of(entry))
                    self._release_claim(entry_id)
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

    def _against_live(
        self, changes: list[dict[str, Any]], undos: list[Undo], region: str | None, acting: Clients
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Each change's call as it will be made, and how each resource differs from what
        the fix left (empty: unchanged). Reads only what the spec declares (``Undo.read``)."""
        calls: list[dict[str, Any]] = []
        changed: list[str] = []
        for change, undo in zip(changes, undos, strict=True):
            call = dict(change["undoCall"])
            params = copy.deepcopy(call.get("params") or {})
            detail = change.get("detail") or {}
            if undo.read:
                live = _read(acting, undo, params, region, str(change.get("resource")))
                if "after" in detail and not _matches(live, detail["after"]):
                    changed.append(
                        f"{change.get('resource')}: {undo.path} is now {_short(live)}, the "
                        f"guardrail left {_short(detail['after'])}"
                    )
                if undo.merge:
                    current = list(live or [])
                    back = [
                        r
                        for r in detail.get("removed") or []
                        if not any(_matches(c, r) for c in current)
                    ]
                    *outer, last = undo.merge.split(".")
                    holder = params
                    for key in outer:
                        holder = holder.setdefault(key, {})
                    holder[last] = current + back
            calls.append({**call, "params": params})
        return calls, changed

    def _claim(self, entry_id: str, actor: str, now: float) -> None:
        """Claim the entry for this undo in one conditional write, or say who has it.

        A claim older than :data:`CLAIM_SECONDS` (an undo that died half-way) may be taken
        over; an entry already undone may not.
        """
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"id": {"S": entry_id}},
                UpdateExpression="SET undoClaimedBy = :by, undoClaimedAt = :at",
                ConditionExpression="attribute_exists(id) AND attribute_not_exists(undoneBy) "
                "AND (attribute_not_exists(undoClaimedAt) OR undoClaimedAt < :stale)",
                ExpressionAttributeValues={
                    ":by": {"S": actor},
                    ":at": {"N": str(int(now))},
                    ":stale": {"N": str(int(now) - CLAIM_SECONDS)},
                },
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise LedgerError(f"nothing was changed: {failure(exc, 'write')}") from exc
            current = self._get(entry_id) or {}
            who = current.get("undoneBy") or current.get("undoClaimedBy") or "someone"
            raise LedgerError(
                f"entry {entry_id} is already being undone, or was undone, by {who}: "
                "one undo per entry"
            ) from None

    def _release_claim(self, entry_id: str) -> None:
        """Give a failed undo's claim back (best effort: it also goes stale)."""
        try:
            self._db.update_item(
                TableName=self.table,
                Key={"id": {"S": entry_id}},
                UpdateExpression="REMOVE undoClaimedBy, undoClaimedAt",
            )
        except LEDGER_ERRORS:
            LOG.error("could not release the undo claim on %s", entry_id)

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

    def _release_hold(
        self, resource: str, fingerprint: str, actor: str, account: str | None = None
    ) -> None:
        """End a hold now (best effort: a hold left in place only expires later)."""
        now = self.clock()
        try:
            self._put_hold(
                resource,
                fingerprint,
                now=now,
                until=now,
                reason=f"released: undo by {actor} failed",
                actor=actor,
                only_if_free=False,
                account=account,
            )
        except LEDGER_ERRORS:
            LOG.error("could not release the undo hold on %s", resource)

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


def _read(
    acting: Clients, undo: Undo, params: dict[str, Any], region: str | None, resource: str
) -> Any:
    """The live value an undo compares with what the fix left (None: the resource is gone)."""
    args = {undo.target: params.get(undo.target)} if undo.target else {}
    client = acting.get(undo.service, region)
    try:
        response = getattr(client, undo.read)(**args)
    except ClientError as exc:
        if any(mark in error_code(exc) for mark in _ABSENT):
            return None
        raise LedgerError(
            f"nothing was changed: could not read {resource} to compare it with what the "
            f"guardrail left ({undo.service}.{undo.read}: {error_code(exc)})"
        ) from exc
    return _at(response, undo.path)
