"""Template and plan readers of the ``rds_db_instance`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.rds_db_instance`.
"""

from __future__ import annotations

from guardrails_runtime.adapters.rds_db_instance import (
    DbInstance,
)
from guardrails_runtime.adapters.templates import Source, boolean

KIND = "db-instance"


CLOUDFORMATION_TYPES = ("AWS::RDS::DBInstance",)


TERRAFORM_TYPES = ("aws_db_instance",)


OWNERS: dict[str, tuple[str, ...]] = {}


def from_cloudformation(source: Source) -> DbInstance:
    where = "PubliclyAccessible"
    return DbInstance(boolean(source.get(where), where), where)


def from_terraform(source: Source) -> DbInstance:
    where = "publicly_accessible"
    value = source.get(where)
    return DbInstance(False if value is None else boolean(value, where), where)
