"""Hub mode across accounts, on moto's in-memory AWS with its organization and STS.

moto keeps one fake AWS per account: credentials from ``AssumeRole`` into a member account
act in that account's EC2, so a test can see that the hub changed the member's group and
nothing of its own. moto does not enforce role trust policies (the synthesis tests pin
them); it does answer ``organizations:DescribeAccount`` for accounts outside the
organization with ``AccountNotFoundException``, as AWS does.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from conftest import ACCOUNT
from helpers import REGION, SSH_MIXED, CallCounter, authorize, authorize_record, ingress, new_group

from guardrails_runtime.aws import Clients
from guardrails_runtime.handler import process
from guardrails_runtime.member_beat import FORGET_SECONDS, QUIET_SECONDS
from guardrails_runtime.model import Decision, Mode
from guardrails_runtime.org import (
    CREDENTIAL_SECONDS,
    MEMBER_SESSION,
    REFRESH_SECONDS,
    MemberAccounts,
    member_role_arn,
)
from guardrails_runtime.settings import RuntimeSettings

pytestmark = pytest.mark.usefixtures("aws")

ROLE = "GuardrailsMember"
OUTSIDER = "999999999999"


class Org:
    """An organization whose management account (moto's default) runs the hub, with one
    member account in a ``prod`` OU and one in a ``dev`` OU."""

    def __init__(self) -> None:
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        self.root = root
        self.prod_ou, self.dev_ou = (
            org.create_organizational_unit(ParentId=root, Name=n)["OrganizationalUnit"]["Id"]
            for n in ("prod", "dev")
        )
        self.prod, self.dev = (
            self._account(org, name, ou)
            for name, ou in (("prod-1", self.prod_ou), ("dev-1", self.dev_ou))
        )

    @staticmethod
    def _account(org: Any, name: str, ou: str) -> str:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        account = str(status["CreateAccountStatus"]["AccountId"])
        root = org.list_parents(ChildId=account)["Parents"][0]["Id"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        return account

    @staticmethod
    def ec2_in(account: str) -> Any:
        """An EC2 client acting in ``account`` (a test's own session, not the hub's)."""
        sts = boto3.client("sts", region_name=REGION)
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/TestSetup", RoleSessionName="setup"
        )["Credentials"]
        return boto3.client(
            "ec2",
            region_name=REGION,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )


@pytest.fixture
def org() -> Org:
    return Org()


def hub_settings(org: Org, **kwargs: Any) -> RuntimeSettings:
    """Notify everywhere, remediate in the prod OU: the staged rollout's second ring."""
    values: dict[str, Any] = {
        "mode": Mode.NOTIFY,
        "organization_modes": {org.prod_ou: Mode.REMEDIATE},
        "member_role_name": ROLE,
        "remediator_role_arn": f"arn:aws:iam::{ACCOUNT}:role/guardrails-remediator",
        "remediator_session": "guardrails-handler",
    }
    return RuntimeSettings(**{**values, **kwargs})


def in_account(record: dict[str, Any], account: str, actor: str | None = None) -> dict[str, Any]:
    """A CloudTrail record of our helpers, as the member account's trail writes it."""
    text = json.dumps(record).replace(ACCOUNT, account)
    moved: dict[str, Any] = json.loads(text)
    if actor is not None:
        role = actor.split(":assumed-role/", 1)[1].split("/", 1)[0]
        identity = moved["detail"]["userIdentity"]
        identity["arn"] = actor
        identity["sessionContext"]["sessionIssuer"]["arn"] = f"arn:aws:iam::{account}:role/{role}"
    return moved


def open_ssh(org: Org, account: str, name: str = "web") -> tuple[Any, str, dict[str, Any]]:
    """Open SSH to the world on a new group of ``account``; the record its trail writes."""
    ec2 = org.ec2_in(account)
    group = new_group(ec2, name)
    record = in_account(
        authorize_record(group, SSH_MIXED, authorize(ec2, group, SSH_MIXED)), account
    )
    return ec2, group, record


def world_ssh(ec2: Any, group: str) -> bool:
    """True while tcp 22 is open to 0.0.0.0/0 or ::/0 on the group (the private range of
    SSH_MIXED stays after a fix)."""
    return any(
        p.get("FromPort") == 22
        and (
            any(r["CidrIp"] == "0.0.0.0/0" for r in p.get("IpRanges", []))
            or any(r["CidrIpv6"] == "::/0" for r in p.get("Ipv6Ranges", []))
        )
        for p in ingress(ec2, group)
    )


def hub() -> tuple[Clients, CallCounter]:
    home = Clients(boto3.session.Session(region_name=REGION))
    return home, CallCounter(home.get("sts", REGION))


def test_hub_reverts_in_the_member_account_through_its_role(org: Org) -> None:
    ec2, group, record = open_ssh(org, org.prod)
    home, sts = hub()
    outcome = process(record, hub_settings(org), home)
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.account == org.prod
    assert not world_ssh(ec2, group)
    assert any(p.get("FromPort") == 22 for p in ingress(ec2, group))  # the office range
    assert sts.calls["AssumeRole"] == 1
    # The hub's own account has no such group: the change was made in the member.
    with pytest.raises(Exception, match=r"InvalidGroup\.NotFound"):
        boto3.client("ec2", region_name=REGION).describe_security_groups(GroupIds=[group])


def test_one_assume_role_per_account_per_credential_lifetime(org: Org) -> None:
    home, sts = hub()
    for n in range(3):
        _, _, record = open_ssh(org, org.prod, f"web-{n}")
        assert process(record, hub_settings(org), home).decision is Decision.REMEDIATED
    _, _, record = open_ssh(org, org.dev)
    process(record, hub_settings(org), home)
    assert sts.calls["AssumeRole"] == 2  # one per account


def test_credentials_are_renewed_shortly_before_they_expire(org: Org) -> None:
    home, sts = hub()
    now = [1_000_000.0]
    accounts = MemberAccounts(home, ROLE, home_account=ACCOUNT, clock=lambda: now[0])
    first = accounts.clients_for(org.prod, REGION)
    # moto's credentials last the hour asked for; renewal waits for their last minutes.
    expires = accounts._credentials[org.prod].expires
    now[0] = expires - REFRESH_SECONDS - 1
    assert accounts.clients_for(org.prod, REGION) is first
    now[0] = expires - REFRESH_SECONDS + 1
    assert accounts.clients_for(org.prod, REGION) is not first
    assert sts.calls["AssumeRole"] == 2
    assert CREDENTIAL_SECONDS > REFRESH_SECONDS


def test_rings_notify_outside_the_remediate_ou(org: Org) -> None:
    ec2, group, record = open_ssh(org, org.dev)
    before = ingress(ec2, group)
    outcome = process(record, hub_settings(org), hub()[0])
    assert outcome.decision is Decision.WOULD_REMEDIATE
    assert ingress(ec2, group) == before


def test_a_notify_ring_caps_a_per_policy_remediate(org: Org) -> None:
    settings = hub_settings(
        org,
        organization_modes={org.dev_ou: Mode.NOTIFY, org.prod_ou: Mode.REMEDIATE},
        policy_modes={"sg-open-ingress": Mode.REMEDIATE},
    )
    ec2, group, record = open_ssh(org, org.dev)
    assert process(record, settings, hub()[0]).decision is Decision.WOULD_REMEDIATE
    assert world_ssh(ec2, group)


def test_an_off_ring_ignores_the_account(org: Org) -> None:
    settings = hub_settings(org, organization_modes={org.dev: Mode.OFF})
    _, _, record = open_ssh(org, org.dev)
    home, sts = hub()
    outcome = process(record, settings, home)
    assert outcome.decision is Decision.IGNORED
    assert sts.calls["AssumeRole"] == 0  # settled before anything was assumed


def test_an_account_outside_the_organization_is_refused(org: Org) -> None:
    record = in_account(authorize_record("sg-0123456789abcdef0", SSH_MIXED), OUTSIDER)
    home, sts = hub()
    outcome = process(record, hub_settings(org), home)
    assert outcome.decision is Decision.UNSUPPORTED
    assert outcome.reason.startswith(f"refused: account {OUTSIDER} is not an account of")
    assert sts.calls["AssumeRole"] == 0


def test_organizations_access_denied_is_an_error_outcome_not_a_retry(org: Org) -> None:
    """A hub outside the management account and not a delegated administrator cannot read
    the organization: every event says so (notified), none loops through Lambda retries."""
    from botocore.awsrequest import AWSResponse

    _, _, record = open_ssh(org, org.prod)
    home, sts = hub()

    def denied(**_: Any) -> tuple[Any, dict[str, Any]]:
        error = {"Code": "AccessDeniedException", "Message": "not a delegated administrator"}
        return AWSResponse("https://organizations.invalid", 400, {}, None), {
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    organizations = home.get("organizations", None)
    organizations.meta.events.register_first("before-call.organizations.DescribeAccount", denied)
    outcome = process(record, hub_settings(org), home)
    assert outcome.decision is Decision.ERROR
    assert outcome.reason.startswith("access denied on organizations DescribeAccount")
    assert sts.calls["AssumeRole"] == 0


def test_the_hubs_own_calls_in_a_member_are_ignored(org: Org) -> None:
    _, group, _ = open_ssh(org, org.prod)
    own = f"arn:aws:sts::{org.prod}:assumed-role/{ROLE}/{MEMBER_SESSION}"
    record = in_account(authorize_record(group, SSH_MIXED), org.prod, actor=own)
    home, sts = hub()
    outcome = process(record, hub_settings(org), home)
    assert outcome.decision is Decision.IGNORED
    assert "the guardrail itself" in outcome.reason
    assert sts.calls["AssumeRole"] == 0


def test_another_session_of_the_member_role_is_judged(org: Org) -> None:
    """Someone who may assume the member role is not the guardrail."""
    ec2, group, _ = open_ssh(org, org.prod)
    borrowed = f"arn:aws:sts::{org.prod}:assumed-role/{ROLE}/mallory"
    record = in_account(
        authorize_record(group, SSH_MIXED, authorize(ec2, group, [])), org.prod, actor=borrowed
    )
    outcome = process(record, hub_settings(org), hub()[0])
    assert outcome.decision is Decision.REMEDIATED


def test_member_role_arn_follows_the_partition() -> None:
    assert member_role_arn("111122223333", ROLE, "cn-north-1") == (
        f"arn:aws-cn:iam::111122223333:role/{ROLE}"
    )
    assert member_role_arn("111122223333", ROLE, "eu-west-1").startswith("arn:aws:iam::")


def test_single_account_mode_assumes_nothing(ec2: Any) -> None:
    group = new_group(ec2)
    record = authorize_record(group, SSH_MIXED, authorize(ec2, group, SSH_MIXED))
    home, sts = hub()
    outcome = process(record, RuntimeSettings(mode=Mode.REMEDIATE), home)
    assert outcome.decision is Decision.REMEDIATED
    assert sts.calls["AssumeRole"] == 0


# --- member beats (guardrails_runtime.member_beat) -----------------------------------------

PREFIX = "guardrails-fwd-"


def member_client(account: str, service: str) -> Any:
    """A client acting in ``account`` (a test's own session, not the hub's)."""
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/TestSetup", RoleSessionName="setup"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


HUB_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/guardrails-hub"


def member_rules(account: str, *names: str) -> Any:
    """The member stack's rules in ``account`` (the forwarding ones, tamper, beat), each
    sending to the hub's bus."""
    bridge = member_client(account, "events")
    for name in names or ("sg-open-ingress", "tamper", "heartbeat"):
        bridge.put_rule(Name=f"{PREFIX}{name}", EventPattern='{"source": ["aws.ec2"]}')
        bridge.put_targets(Rule=f"{PREFIX}{name}", Targets=[{"Id": "hub", "Arn": HUB_BUS}])
    return bridge


def beat(account: str, region: str = REGION, rule_account: str | None = None) -> dict[str, Any]:
    """EventBridge's Scheduled Event of the member's beat rule, as the hub's bus gets it."""
    owner = rule_account or account
    return {
        "version": "0",
        "id": "0d4c6f3e-5a1b-4c2d-9e8f-1a2b3c4d5e6f",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": "2026-12-05T07:00:00Z",
        "region": region,
        "resources": [f"arn:aws:events:{region}:{owner}:rule/{PREFIX}heartbeat"],
        "detail": {},
    }


def beat_settings(org: Org, **kwargs: Any) -> RuntimeSettings:
    from guardrails_runtime.ledger import table_spec

    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    return hub_settings(
        org, member_rules_prefix=PREFIX, hub_bus_arn=HUB_BUS, ledger_table="ledger", **kwargs
    )


def beats_kept() -> dict[str, str]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName="ledger")["Items"]
    return {i["id"]["S"]: i["at"]["S"] for i in items if i["id"]["S"].startswith("beat#")}


def test_a_members_beat_is_kept_and_its_rules_looked_at_through_its_role(org: Org) -> None:
    member_rules(org.prod)
    home, sts = hub()
    outcome = process(beat(org.prod), beat_settings(org), home)
    assert outcome.decision is Decision.COMPLIANT, outcome.reason
    assert (outcome.account, outcome.region) == (org.prod, REGION)
    assert "all 3 forwarding rules" in outcome.reason
    assert list(beats_kept()) == [f"beat#{org.prod}#{REGION}"]
    assert sts.calls["AssumeRole"] == 1  # the member role, to list its rules


def test_a_disabled_or_deleted_forwarding_rule_is_notified_on_the_next_beat(org: Org) -> None:
    """Disabled while the tamper rule was off, or before the hub existed: no CloudTrail
    event ever said so; the next beat does."""
    bridge = member_rules(org.prod, "sg-open-ingress", "heartbeat")
    bridge.disable_rule(Name=f"{PREFIX}sg-open-ingress")
    outcome = process(beat(org.prod), beat_settings(org), hub()[0])
    assert outcome.decision is Decision.NOTIFIED
    assert f"member {org.prod} in {REGION}" in outcome.reason
    assert f"rule {PREFIX}sg-open-ingress is DISABLED" in outcome.reason
    assert f"rule {PREFIX}tamper is missing" in outcome.reason


def test_a_forwarding_rule_that_no_longer_sends_to_the_hub_is_notified(org: Org) -> None:
    """Re-targeted elsewhere, or its target removed: enabled, yet nothing reaches the hub."""
    bridge = member_rules(org.prod, "sg-open-ingress", "s3-public-access", "tamper", "heartbeat")
    elsewhere = f"arn:aws:events:{REGION}:{org.prod}:event-bus/default"
    bridge.put_targets(Rule=f"{PREFIX}sg-open-ingress", Targets=[{"Id": "hub", "Arn": elsewhere}])
    bridge.remove_targets(Rule=f"{PREFIX}s3-public-access", Ids=["hub"])
    home, _ = hub()
    outcome = process(beat(org.prod), beat_settings(org), home)
    assert outcome.decision is Decision.NOTIFIED
    assert (
        f"rule {PREFIX}sg-open-ingress does not send to the hub's bus (targets: {elsewhere})"
        in outcome.reason
    )
    assert f"rule {PREFIX}s3-public-access does not send to the hub's bus (targets: none)" in (
        outcome.reason
    )
    assert "tamper" not in outcome.reason and "heartbeat is" not in outcome.reason


def test_a_beat_from_outside_the_organization_is_refused_and_not_kept(org: Org) -> None:
    home, sts = hub()
    outcome = process(beat(OUTSIDER), beat_settings(org), home)
    assert outcome.decision is Decision.UNSUPPORTED and "refused" in outcome.reason
    assert beats_kept() == {} and sts.calls["AssumeRole"] == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e.update(resources=[e["resources"][0].replace("heartbeat", "nightly")]),
        lambda e: e.update(source="custom.beats"),  # what PutEvents could send
        lambda e: e.update(region="ap-southeast-2"),  # not the rule's region
        lambda e: e.update(resources=[]),
        # Made up values, as in anonymised records: no client for them, no beat.
        lambda e: e.update(
            region="us-northeast-1r",
            resources=[e["resources"][0].replace(REGION, "us-northeast-1r")],
        ),
        lambda e: e.update(
            account="1234567890123",
            resources=[e["resources"][0].replace(e["account"], "1234567890123")],
        ),
    ],
)
def test_anything_but_the_beat_rules_own_event_is_no_beat(org: Org, change: Any) -> None:
    event = beat(org.prod)
    change(event)
    outcome = process(event, beat_settings(org), hub()[0])
    assert outcome.decision is Decision.UNSUPPORTED
    assert beats_kept() == {}


def test_a_beat_naming_another_accounts_rule_is_no_beat(org: Org) -> None:
    outcome = process(beat(org.prod, rule_account=org.dev), beat_settings(org), hub()[0])
    assert outcome.decision is Decision.UNSUPPORTED and beats_kept() == {}


ORG_BUS_RULES = ["guardrails-from-members", "guardrails-member-tamper", "guardrails-member-beats"]


def org_bus() -> None:
    """The hub's organization bus with its rules all in place (each with a target)."""
    bridge = boto3.client("events", region_name=REGION)
    bridge.create_event_bus(Name="guardrails-hub")
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="q")["QueueUrl"]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue.rsplit('/', 1)[1]}"
    for name in ORG_BUS_RULES:
        bridge.put_rule(Name=name, EventBusName="guardrails-hub", EventPattern='{"source": ["x"]}')
        bridge.put_targets(
            Rule=name, EventBusName="guardrails-hub", Targets=[{"Id": "t", "Arn": arn}]
        )


def organization_beat(settings: RuntimeSettings) -> Any:
    """The hub's own hourly beat for the organization bus."""
    body = {"rulePrefix": "guardrails", "required": ORG_BUS_RULES, "eventBus": "guardrails-hub"}
    return process({"guardrailsHeartbeat": body}, settings, hub()[0])


def age(account: str, seconds: float) -> None:
    """Make ``account``'s kept beat ``seconds`` old."""
    import time

    from guardrails_runtime.ledger import iso

    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName="ledger",
        Key={"id": {"S": f"beat#{account}#{REGION}"}},
        UpdateExpression="SET #at = :at",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":at": {"S": iso(time.time() - seconds)}},
    )


def test_the_hub_heartbeat_reports_members_gone_quiet(org: Org) -> None:
    """A member whose beat rule was disabled, whose forwarding role lost its right, or
    whose region stopped delivering: its beats stop, and the hub says so."""
    settings = beat_settings(org)
    org_bus()
    for account in (org.prod, org.dev):
        member_rules(account)
        assert process(beat(account), settings, hub()[0]).decision is Decision.COMPLIANT
    assert organization_beat(settings).decision is Decision.COMPLIANT  # both beat just now
    age(org.dev, QUIET_SECONDS + 60)
    outcome = organization_beat(settings)
    assert outcome.decision is Decision.NOTIFIED
    assert f"member {org.dev} in {REGION} has sent no beat since" in outcome.reason
    assert org.prod not in outcome.reason
    age(org.dev, FORGET_SECONDS + 60)  # a week quiet: taken out of the rollout, forgotten
    assert organization_beat(settings).decision is Decision.COMPLIANT


def quiet_dev(org: Org) -> RuntimeSettings:
    """The hub's settings, after the dev account beat once, over two hours ago."""
    settings = beat_settings(org)
    org_bus()
    member_rules(org.dev)
    process(beat(org.dev), settings, hub()[0])
    age(org.dev, QUIET_SECONDS + 60)
    return settings


def test_quiet_members_add_to_the_buss_own_problems(org: Org) -> None:
    settings = quiet_dev(org)
    boto3.client("events", region_name=REGION).disable_rule(
        Name="guardrails-from-members", EventBusName="guardrails-hub"
    )
    outcome = organization_beat(settings)
    assert outcome.decision is Decision.NOTIFIED
    assert "guardrails-from-members on bus guardrails-hub is DISABLED" in outcome.reason
    assert f"member {org.dev} in {REGION} has sent no beat since" in outcome.reason


def test_a_quiet_account_that_left_the_organization_is_not_reported(org: Org) -> None:
    settings = quiet_dev(org)
    boto3.client("organizations", region_name="us-east-1").remove_account_from_organization(
        AccountId=org.dev
    )
    assert organization_beat(settings).decision is Decision.COMPLIANT


# --- guardrails undo of a member's entry ---------------------------------------------------


@pytest.fixture
def member_entry(org: Org) -> tuple[Any, str, str]:
    """A prod group whose world SSH the hub reverted, recorded in the hub's ledger:
    (the prod account's EC2 client, the group, the entry id)."""
    from guardrails_runtime.ledger import table_spec

    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    ec2, group, record = open_ssh(org, org.prod)
    outcome = process(record, hub_settings(org, ledger_table="ledger"), hub()[0])
    assert outcome.decision is Decision.REMEDIATED and outcome.account == org.prod
    return ec2, group, str(outcome.entry_id)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from guardrails.cli import main

    code = main(["undo", *args, "--table", "ledger", "--region", REGION])
    out, err = capsys.readouterr()
    return code, out, err


def test_undo_of_a_members_entry_refuses_the_hubs_own_credentials(
    org: Org, member_entry: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The calls would be made in the hub's account: on a same-named resource there (an
    RDS snapshot's name repeats across accounts) they would restore the wrong thing."""
    ec2, group, entry_id = member_entry
    code, out, err = cli(capsys, entry_id)
    assert code == 2 and out == ""
    assert f"entry {entry_id} is of account {org.prod}" in err
    assert f"act in account {ACCOUNT}" in err and "--assume-role" in err
    assert len(err.strip().splitlines()) == 1
    assert not world_ssh(ec2, group)


def test_undo_of_a_members_entry_through_an_assumed_role(
    org: Org, member_entry: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ec2, group, entry_id = member_entry
    code, out, _ = cli(capsys, entry_id, "--assume-role", "OperatorAccess", "--dry-run")
    assert code == 0 and "would call ec2.authorize_security_group_ingress" in out
    assert not world_ssh(ec2, group)
    code, out, err = cli(capsys, entry_id, "--assume-role", "OperatorAccess")
    assert code == 0, err
    assert "-> restored" in out and f"in account {org.prod}" in out
    assert world_ssh(ec2, group)  # back in the member account, where it was removed
    # The hold is the member account's: the restore's own event is only notified.
    hold = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName="ledger", Key={"id": {"S": f"hold#{org.prod}#{group}"}}
    )
    assert "Item" in hold


def test_an_assumed_role_of_another_account_is_refused(
    org: Org, member_entry: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ec2, group, entry_id = member_entry
    role = f"arn:aws:iam::{org.dev}:role/OperatorAccess"
    code, out, err = cli(capsys, entry_id, "--assume-role", role)
    assert code == 2 and out == ""
    assert f"{role} is not a role of account {org.prod}" in err
    assert not world_ssh(ec2, group)


def test_members_lists_who_beats_and_who_went_quiet(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """``guardrails members``: the operator's view of coverage, exit 1 while one is quiet."""
    from guardrails.cli import main

    settings = quiet_dev(org)
    member_rules(org.prod)
    process(beat(org.prod), settings, hub()[0])
    code = main(["members", "--table", "ledger", "--region", REGION])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert [line.split()[:3] for line in lines] == sorted(
        [[org.dev, REGION, "QUIET"], [org.prod, REGION, "beating"]]
    )
    assert err.strip() == "2 member account-region(s), 1 quiet for over 2 hours"
    code = main(["members", "--table", "ledger", "--region", REGION, "--quiet", "--format", "json"])
    [only] = json.loads(capsys.readouterr().out)
    assert code == 1 and (only["account"], only["quiet"]) == (org.dev, True)
    process(beat(org.dev), settings, hub()[0])  # it beats again
    assert main(["members", "--table", "ledger", "--region", REGION]) == 0
    capsys.readouterr()
    assert main(["members"]) == 2
    assert "no ledger table" in capsys.readouterr().err


def test_mutated_beats_and_hub_heartbeats_never_crash_or_keep_a_false_beat(org: Org) -> None:
    """Hypothesis mutates a member's beat and the hub's organization heartbeat: nothing
    raises, every outcome is one of the contract's decisions with a reason, and a beat is
    kept only for an event that still is one (account, region and rule name agreeing)."""
    from fuzzing import mutants
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    from guardrails_runtime.member_beat import beat_of

    settings = beat_settings(org)
    org_bus()
    member_rules(org.prod)
    bases = [
        beat(org.prod),
        {
            "guardrailsHeartbeat": {
                "rulePrefix": "guardrails",
                "required": ORG_BUS_RULES,
                "eventBus": "guardrails-hub",
            }
        },
    ]
    home = hub()[0]
    table = boto3.client("dynamodb", region_name=REGION)

    @hsettings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data: Any) -> None:
        for key in beats_kept():
            table.delete_item(TableName="ledger", Key={"id": {"S": key}})
        event = data.draw(mutants(data.draw(st.sampled_from(bases))))
        outcome = process(event, settings, home)
        assert isinstance(outcome.decision, Decision) and outcome.reason
        kept = beats_kept()
        if kept:
            found = beat_of(event, PREFIX)
            assert found is not None and list(kept) == [f"beat#{found[0]}#{found[1]}"], event

    check()
