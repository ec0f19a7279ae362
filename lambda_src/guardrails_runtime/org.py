"""Hub mode: one guardrail acting in every account of an AWS organization.

Member accounts forward their events to the hub's event bus; the hub's function acts in
the account the event came from through that account's member role (the role the member
stack creates, trusting the hub's function role only). Three things live here:

* :class:`MemberAccounts` gives boto3 clients in a member account. Credentials come from
  one ``sts:AssumeRole`` per account and are kept until shortly before they expire
  (``REFRESH_SECONDS``): at most one ``AssumeRole`` per account per credential lifetime,
  however many events arrive. The role session is always ``MEMBER_SESSION``, so the
  member's own CloudTrail shows the guardrail as
  ``assumed-role/<member role>/cdk-guardrails`` and the hub can tell its own calls apart.
* Membership: an event whose account is not an account of the organization is refused
  before anything is assumed (``organizations:DescribeAccount``, answered by the
  management account or a delegated administrator; both answers are cached).
* Rings: the organizational units above an account (``organizations:ListParents``, up to
  the root, cached), which the settings' per-OU modes are matched against.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from guardrails_runtime.aws import Clients, error_code, partition_for

# The role session of every call the hub makes in a member account.
MEMBER_SESSION = "cdk-guardrails"
# Credentials asked for, and how long before their end they are replaced.
CREDENTIAL_SECONDS = 3600
REFRESH_SECONDS = 300
# How long a membership or OU answer is kept (an account moved between OUs, or one that
# joined, is seen within this time).
DIRECTORY_SECONDS = 900


class NotAMemberError(Exception):
    """The event's account is not an account of the hub's organization."""


class _Credentials(NamedTuple):
    clients: Clients
    expires: float


def session_of(credentials: dict[str, Any], factory: Callable[..., Any] | None = None) -> Any:
    """A boto3 session (or ``factory``'s) with the ``Credentials`` an ``AssumeRole`` gave."""
    if factory is None:
        import boto3

        factory = boto3.session.Session
    return factory(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def member_role_arn(account: str, role_name: str, region: str | None = None) -> str:
    """The member role of ``account`` (in the partition of ``region``)."""
    return f"arn:{partition_for(region)}:iam::{account}:role/{role_name}"


class MemberAccounts:
    """Clients in the organization's accounts, through each account's member role.

    ``home`` are the hub's own clients (STS and Organizations are called with them; the
    hub's own account is served by them directly). ``clock`` and ``session_factory`` are
    for tests.
    """

    def __init__(
        self,
        home: Clients,
        role_name: str,
        *,
        home_account: str | None,
        clock: Callable[[], float] = time.time,
        session_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.home = home
        self.role_name = role_name
        self.home_account = home_account
        self.clock = clock
        self._session_factory = session_factory
        self._credentials: dict[str, _Credentials] = {}
        self._members: dict[str, tuple[bool, float]] = {}
        self._parents: dict[str, tuple[tuple[str, ...], float]] = {}

    def clients_for(self, account: str | None, region: str | None) -> Clients:
        """Clients acting in ``account``: the hub's own for its own account (or none
        named), else the member role's, assumed at most once per credential lifetime.

        Raises :class:`NotAMemberError` for an account outside the organization, and the
        ``ClientError`` of ``AssumeRole`` (AccessDenied when the member stack is missing).
        """
        if account is None or account == self.home_account:
            return self.home
        cached = self._credentials.get(account)
        now = self.clock()
        if cached is not None and cached.expires - REFRESH_SECONDS > now:
            return cached.clients
        if not self.is_member(account):
            raise NotAMemberError(f"account {account} is not an account of the organization")
        answer = self.home.get("sts", region).assume_role(
            RoleArn=member_role_arn(account, self.role_name, region),
            RoleSessionName=MEMBER_SESSION,
            DurationSeconds=CREDENTIAL_SECONDS,
        )
        credentials = answer["Credentials"]
        expiration = credentials["Expiration"]
        expires = expiration.timestamp() if hasattr(expiration, "timestamp") else now + 3600
        session = self._session(credentials)
        clients = Clients(session)
        self._credentials[account] = _Credentials(clients, expires)
        return clients

    def _session(self, credentials: dict[str, Any]) -> Any:
        return session_of(credentials, self._session_factory)

    def is_member(self, account: str) -> bool:
        """True when ``account`` is an account of the hub's organization (cached)."""
        if account == self.home_account:
            return True
        known = self._members.get(account)
        now = self.clock()
        if known is not None and known[1] > now:
            return known[0]
        try:
            self.home.get("organizations", None).describe_account(AccountId=account)
            member = True
        except ClientError as exc:
            if error_code(exc) != "AccountNotFoundException":
                raise
            member = False
        self._members[account] = (member, now + DIRECTORY_SECONDS)
        return member

    def units_of(self, account: str) -> tuple[str, ...]:
        """The organizational units above ``account``, nearest first, then the root id
        (cached; one ``ListParents`` per level)."""
        known = self._parents.get(account)
        now = self.clock()
        if known is not None and known[1] > now:
            return known[0]
        organizations = self.home.get("organizations", None)
        chain: list[str] = []
        child = account
        while True:
            parents = organizations.list_parents(ChildId=child).get("Parents", [])
            if not parents:
                break
            parent = parents[0]
            chain.append(str(parent["Id"]))
            if parent.get("Type") == "ROOT":
                break
            child = str(parent["Id"])
        found = tuple(chain)
        self._parents[account] = (found, now + DIRECTORY_SECONDS)
        return found
