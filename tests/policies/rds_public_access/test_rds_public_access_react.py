"""rds-public-access, react plane: the real handler against moto's in-memory RDS.

Each test arranges an instance with real boto3 calls, runs ``process`` on a CloudTrail
record (or a Config evaluation) and checks the decision, the API calls made and the
instance's state afterwards.
"""

from __future__ import annotations

import copy
from typing import Any

import boto3
import pytest
from conftest import load_event
from helpers import REGION, CallCounter, clients, settings, undo

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")
EVENT = "modify-db-instance-public.json"
NAME = "orders-db"
RULE = {"guardrails-rds-public-access": "rds-public-access"}


@pytest.fixture
def rds() -> Any:
    return boto3.client("rds", region_name=REGION)


def make(rds: Any, *, public: bool, name: str = NAME, tags: dict[str, str] | None = None) -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword="not-a-real-password-1",
        PubliclyAccessible=public,
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )


def public(rds: Any, name: str = NAME) -> bool:
    return bool(
        rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["PubliclyAccessible"]
    )


def run(event: dict[str, Any], mode: Mode = Mode.REMEDIATE, **kwargs: Any) -> tuple[Any, Any]:
    c = clients()
    counter = CallCounter(c.get("rds", REGION))
    return process(event, settings(mode, **kwargs), c), counter


def test_public_instance_is_made_private_in_one_read_and_one_write(rds: Any) -> None:
    make(rds, public=True)
    outcome, counter = run(load_event(EVENT))
    assert outcome.decision is Decision.REMEDIATED, outcome.reason
    assert outcome.policy == "rds-public-access" and outcome.resource == NAME
    assert counter.order == ["DescribeDBInstances", "ModifyDBInstance"]
    assert not public(rds)
    [change] = outcome.changes
    assert change.undo_call is not None
    assert change.undo_call.as_dict() == {
        "service": "rds",
        "operation": "modify_db_instance",
        "params": {
            "DBInstanceIdentifier": NAME,
            "PubliclyAccessible": True,
            "ApplyImmediately": True,
        },
    }


def test_private_instance_is_compliant_and_untouched(rds: Any) -> None:
    make(rds, public=False)
    outcome, counter = run(load_event(EVENT))
    assert outcome.decision is Decision.COMPLIANT
    assert counter.writes == []


def test_notify_mode_changes_nothing(rds: Any) -> None:
    make(rds, public=True)
    outcome, counter = run(load_event(EVENT), Mode.NOTIFY)
    assert outcome.decision is Decision.WOULD_REMEDIATE
    assert counter.writes == [] and public(rds)


def test_exemption_tag_on_the_instance(rds: Any) -> None:
    make(rds, public=True, tags={"securityexemption": "TRUE"})
    outcome, counter = run(load_event(EVENT))
    assert outcome.decision is Decision.EXEMPT
    assert counter.writes == [] and public(rds)


def test_an_exemption_tag_with_another_value_does_not_exempt(rds: Any) -> None:
    make(rds, public=True, tags={"SecurityExemption": "false"})
    outcome, _ = run(load_event(EVENT))
    assert outcome.decision is Decision.REMEDIATED and not public(rds)


def test_a_pending_change_to_public_is_a_violation(rds: Any) -> None:
    """Apply-at-next-maintenance-window would make it public later: fix it now."""
    make(rds, public=False)
    c = clients()

    def pending(parsed: dict[str, Any], **_: Any) -> None:
        for item in parsed.get("DBInstances", []):
            item["PendingModifiedValues"] = {"PubliclyAccessible": True}

    c.get("rds", REGION).meta.events.register("after-call.rds.DescribeDBInstances", pending)
    outcome = process(load_event(EVENT), settings(), c)
    assert outcome.decision is Decision.REMEDIATED
    assert "scheduled to become true" in outcome.reason


def test_an_instance_still_being_created_is_notified_not_retried(rds: Any) -> None:
    make(rds, public=True)
    c = clients()
    counter = CallCounter(c.get("rds", REGION))

    def creating(parsed: dict[str, Any], **_: Any) -> None:
        for item in parsed.get("DBInstances", []):
            item["DBInstanceStatus"] = "creating"

    c.get("rds", REGION).meta.events.register("after-call.rds.DescribeDBInstances", creating)
    event = load_event(EVENT)
    event["eventName"] = "CreateDBInstance"
    outcome = process(event, settings(), c)
    assert outcome.decision is Decision.NOTIFIED
    assert "creating" in outcome.reason and "Config rule" in outcome.reason
    assert counter.writes == []


def test_config_evaluation_names_the_resource_id(rds: Any) -> None:
    make(rds, public=True)
    resource_id = rds.describe_db_instances(DBInstanceIdentifier=NAME)["DBInstances"][0][
        "DbiResourceId"
    ]
    event = {
        "version": "0",
        "id": "c0ffee00-0000-4000-8000-000000000001",
        "detail-type": "Config Rules Compliance Change",
        "source": "aws.config",
        "account": "123456789012",
        "region": REGION,
        "time": "2026-11-21T09:30:00Z",
        "detail": {
            "resourceId": resource_id,
            "awsRegion": REGION,
            "awsAccountId": "123456789012",
            "configRuleName": "guardrails-rds-public-access",
            "resourceType": "AWS::RDS::DBInstance",
            "newEvaluationResult": {"complianceType": "NON_COMPLIANT"},
        },
    }
    outcome, _ = run(event, config_rules=RULE)
    assert outcome.decision is Decision.REMEDIATED and outcome.resource == NAME
    assert not public(rds)
    wrong_type = copy.deepcopy(event)
    wrong_type["detail"]["resourceType"] = "AWS::RDS::DBCluster"
    outcome, counter = run(wrong_type, config_rules=RULE)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_restore_to_point_in_time_names_the_target(rds: Any) -> None:
    make(rds, public=True, name="orders-restored")
    event = load_event(EVENT)
    event["eventName"] = "RestoreDBInstanceToPointInTime"
    event["requestParameters"] = {
        "sourceDBInstanceIdentifier": NAME,
        "targetDBInstanceIdentifier": "orders-restored",
        "publiclyAccessible": True,
    }
    event["responseElements"] = None
    outcome, _ = run(event)
    assert outcome.decision is Decision.REMEDIATED and outcome.resource == "orders-restored"
    assert not public(rds, "orders-restored")


def test_a_deleted_instance_is_compliant() -> None:
    outcome, counter = run(load_event(EVENT))
    assert outcome.decision is Decision.COMPLIANT and "no longer exists" in outcome.reason
    assert counter.writes == []


def test_malformed_record_is_unsupported_not_raised() -> None:
    event = load_event(EVENT)
    event["requestParameters"] = {"publiclyAccessible": True}
    event["responseElements"] = None
    outcome, counter = run(event)
    assert outcome.decision is Decision.UNSUPPORTED and counter.total == 0


def test_access_denied_on_the_write_is_an_error_and_changes_nothing(rds: Any) -> None:
    make(rds, public=True)
    c = clients()
    client = c.get("rds", REGION)

    def deny(**_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "injected"}}, "ModifyDBInstance"
        )

    client.meta.events.register_first("before-call.rds.ModifyDBInstance", deny)
    outcome = process(load_event(EVENT), settings(), c)
    assert outcome.decision is Decision.ERROR and "access denied" in outcome.reason
    assert public(rds)


def test_failed_and_own_calls_are_ignored(rds: Any) -> None:
    make(rds, public=True)
    failed = load_event(EVENT) | {"errorCode": "InvalidDBInstanceState"}
    role = "arn:aws:iam::210987654321:role/DatabaseAdmin"
    for event, kwargs in ((failed, {}), (load_event(EVENT), {"remediator_role_arn": role})):
        outcome, counter = run(event, **kwargs)
        assert outcome.decision is Decision.IGNORED and counter.total == 0
    assert public(rds)


def test_undo_puts_public_access_back(rds: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    make(rds, public=True)
    outcome = process(load_event(EVENT), settings(ledger_table="ledger"), clients())
    assert outcome.decision is Decision.REMEDIATED and not public(rds)
    done = undo(outcome)
    assert done["results"] == ["restored"]
    assert public(rds)
