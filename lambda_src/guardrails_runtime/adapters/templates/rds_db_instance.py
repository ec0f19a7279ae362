"""Template and plan readers of the ``rds_db_instance`` adapter.

The static plane only: left out of the Lambda asset. The facts and the runtime readers
are in :mod:`guardrails_runtime.adapters.rds_db_instance`.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters import flag
from guardrails_runtime.adapters.rds_db_instance import (
    DbInstance,
)
from guardrails_runtime.adapters.templates import Source
from guardrails_runtime.model import Unresolved

KIND = "db-instance"


CLOUDFORMATION_TYPES = ("AWS::RDS::DBInstance",)


TERRAFORM_TYPES = ("aws_db_instance",)


OWNERS: dict[str, tuple[str, ...]] = {}


def _public(value: Any, where: str) -> bool | Unresolved | None:
    value = flag(value)
    if value is None or isinstance(value, bool | Unresolved):
        return value
    return Unresolved(where, f"{where} is {value!r}, not a boolean")


def from_cloudformation(source: Source) -> DbInstance:
    where = "PubliclyAccessible"
    return DbInstance(_public(source.get(where), where), where)


def from_terraform(source: Source) -> DbInstance:
    where = "publicly_accessible"
    value = source.get(where)
    return DbInstance(False if value is None else _public(value, where), where)
