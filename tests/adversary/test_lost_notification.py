"""A failed notification is not lost (issue 13, item 8).

The ledger entry used to be final before the SNS publish: when the publish failed, the
retry was answered ``ignored`` (duplicate) and nothing was ever sent. In notify mode the
notification is the guardrail's only output. Now the entry is written "unsent" first and
the retry publishes it, once.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers import REGION, SSH_MIXED, clients, new_group, open_and_record, settings

from guardrails_runtime.handler import process
from guardrails_runtime.ledger import table_spec
from guardrails_runtime.model import Decision, Mode

pytestmark = pytest.mark.usefixtures("aws")


def failing_once(c: Any) -> list[int]:
    hits: list[int] = []

    def fail(**_: Any) -> None:
        if not hits:
            hits.append(1)
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "injected"}}, "Publish"
            )

    c.get("sns", REGION).meta.events.register_first("before-call.sns.Publish", fail)
    return hits


def test_a_failed_publish_is_sent_on_the_retry_and_only_once(ec2: Any, inbox: Any) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(**table_spec("ledger"))
    cfg = settings(Mode.NOTIFY, ledger_table="ledger", topic_arn=inbox.topic_arn)
    event = open_and_record(ec2, new_group(ec2), SSH_MIXED)
    c = clients()
    hits = failing_once(c)
    with pytest.raises(ClientError):
        process(event, cfg, c)  # Lambda retries the event
    assert hits == [1] and inbox.raw() == []
    retry = process(event, cfg, c)
    assert retry.decision is Decision.WOULD_REMEDIATE
    [sent] = inbox.messages()
    assert sent["decision"] == "would-remediate" and sent["entryId"] == retry.entry_id
    again = process(event, cfg, c)
    assert again.decision is Decision.IGNORED and "duplicate delivery" in again.reason
    assert inbox.raw() == []
