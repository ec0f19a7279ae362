"""Resource adapters: one module per AWS resource type, shared by the policies that judge it.

An adapter turns every source of facts about its type into one typed value (a NamedTuple):
a CloudFormation resource, a Terraform plan resource, the live API (boto3's shape) and a
CloudTrail request. Policies only ever see that value; the static readers find adapters
here by type, so a new AWS type needs a new adapter and no reader edits.

Each adapter module declares ``KIND`` (the ``Subject.kind`` of its static subjects),
``CLOUDFORMATION_TYPES``, ``TERRAFORM_TYPES``, and ``from_cloudformation(get)`` /
``from_terraform(get)`` where ``get(name)`` returns the resolved value of a property
(``None`` when absent, :class:`~guardrails_runtime.model.Unresolved` when unknown).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any


def flag(value: Any) -> Any:
    """Booleans as templates may spell them: ``"true"``/``"false"`` (any case) -> bool."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


_BY_CLOUDFORMATION: dict[str, ModuleType] | None = None
_BY_TERRAFORM: dict[str, ModuleType] | None = None


def _load() -> tuple[dict[str, ModuleType], dict[str, ModuleType]]:
    global _BY_CLOUDFORMATION, _BY_TERRAFORM
    if _BY_CLOUDFORMATION is None or _BY_TERRAFORM is None:
        cfn: dict[str, ModuleType] = {}
        tf: dict[str, ModuleType] = {}
        for info in pkgutil.iter_modules(__path__):
            module = importlib.import_module(f"{__name__}.{info.name}")
            cfn.update(dict.fromkeys(module.CLOUDFORMATION_TYPES, module))
            tf.update(dict.fromkeys(module.TERRAFORM_TYPES, module))
        _BY_CLOUDFORMATION, _BY_TERRAFORM = cfn, tf
    return _BY_CLOUDFORMATION, _BY_TERRAFORM


def for_cloudformation(resource_type: str) -> ModuleType | None:
    """The adapter of a CloudFormation type, or None."""
    return _load()[0].get(resource_type)


def for_terraform(resource_type: str) -> ModuleType | None:
    """The adapter of a Terraform resource type, or None."""
    return _load()[1].get(resource_type)


def cloudformation_types() -> frozenset[str]:
    return frozenset(_load()[0])


def terraform_types() -> frozenset[str]:
    return frozenset(_load()[1])
