"""The static halves of the resource adapters: template and plan readers.

Left out of the Lambda asset (the static plane never runs there). Each module
``templates/<type>.py`` declares:

* ``KIND``: the ``Subject.kind`` of its static subjects (what policies list in ``kinds``);
* ``CLOUDFORMATION_TYPES`` / ``TERRAFORM_TYPES``: the types it reads, the resource type
  itself first, then the types that configure it (a bucket policy, an ingress rule);
* ``OWNERS``: for each configuring type, the attributes that name the resource it
  configures (the first type of the same format). The readers link the two: the
  configuring resource is judged with its owner's tags (the exemption tag), and the owner
  learns which types configure it (:attr:`Source.configured_by`);
* ``from_cloudformation(source)`` / ``from_terraform(source)``: the typed facts of one
  resource (None: nothing to judge), read through a :class:`Source`;
* optionally ``gather(members)``: given the facts of one resource and of every resource
  that configures it (or, when the owner is not in the file, of every resource naming the
  same owner), return them updated with what each needs of the others (a security
  group's sources that only together cover the internet). See :func:`gather_group`.

The static readers find the modules here by type.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType
from typing import Any, Protocol

from guardrails_runtime.adapters import as_list, flag
from guardrails_runtime.model import Unresolved


class Source(Protocol):
    """One resource of a template or plan, as an adapter reads it."""

    resource_type: str
    # Types of the same file's resources that configure this one (Terraform: a separate
    # aws_s3_bucket_server_side_encryption_configuration; CloudFormation: none so far).
    configured_by: frozenset[str]

    def get(self, *path: str | int) -> Any:
        """The resolved value at ``path`` (keys and list indexes; none: every property).

        ``None`` when absent, :class:`Unresolved` when known only at deploy or apply time.
        """

    def declared(self, name: str) -> bool:
        """True when the source itself sets ``name`` (not a provider-computed value)."""


def gather_group(members: list[Any], adapter: ModuleType) -> None:
    """Call the adapter's ``gather`` on one group of subjects (owner first when present),
    replacing their facts; nothing for an adapter without one."""
    gather = getattr(adapter, "gather", None)
    if gather is not None and len(members) > 1:
        for subject, facts in zip(members, gather([m.facts for m in members]), strict=True):
            subject.facts = facts


def location(path: tuple[Any, ...]) -> str:
    """``("ingress", 0, "cidr_blocks")`` -> ``ingress[0].cidr_blocks``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def declared_value(source: Source, name: str) -> Any:
    """``name``'s value where the source sets it; a computed unknown counts as absent.

    Terraform providers compute many attributes (since AWS provider v4 the legacy inline
    ``aws_s3_bucket`` blocks), so a plan shows them unknown on every resource; unknown
    only counts when the configuration declares the attribute.
    """
    value = source.get(name)
    if isinstance(value, Unresolved) and not source.declared(name):
        return None
    return value or None


def leaves(source: Source, pattern: tuple[Any, ...]) -> list[tuple[str, Any]]:
    """Values at ``pattern`` (``"*"`` = every list element), as ``(location, value)``.

    An unknown list or value on the way is one Unresolved leaf; absent values are skipped.
    """
    out: list[tuple[str, Any]] = []

    def walk(prefix: tuple[Any, ...], rest: tuple[Any, ...]) -> None:
        value = source.get(*prefix)
        if isinstance(value, Unresolved):
            out.append((location(prefix), value))
            return
        if not rest:
            if value is not None:
                out.append((location(prefix), value))
            return
        if rest[0] == "*":
            for i, _ in enumerate(as_list(value)):
                walk((*prefix, i), rest[1:])
        else:
            walk((*prefix, rest[0]), rest[1:])

    walk((pattern[0],), pattern[1:])
    return out


# Which module reads which type: generated into ``_types.py`` (``python -m guardrails.docs``,
# a test keeps it in sync), so a scan imports only the adapters of the types it meets
# (importing every adapter costs a synthesis tens of milliseconds).
INDEX = "_types"


def modules() -> list[ModuleType]:
    """Every adapter module, imported."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]


def index_source() -> str:
    """The text of ``_types.py`` from the adapters themselves."""
    cfn: dict[str, str] = {}
    tf: dict[str, str] = {}
    for module in modules():
        name = module.__name__.rsplit(".", 1)[-1]
        cfn.update(dict.fromkeys(module.CLOUDFORMATION_TYPES, name))
        tf.update(dict.fromkeys(module.TERRAFORM_TYPES, name))
    lines = ['"""Generated by ``python -m guardrails.docs``: the adapter module of each type."""']
    for table, types in (("CLOUDFORMATION", cfn), ("TERRAFORM", tf)):
        lines += ["", f"{table} = {{"] if table == "CLOUDFORMATION" else [f"{table} = {{"]
        lines += [f'    "{key}": "{value}",' for key, value in sorted(types.items())]
        lines.append("}")
    return "\n".join(lines) + "\n"


@functools.cache
def _adapter(table: str, resource_type: str) -> ModuleType | None:
    index = importlib.import_module(f"{__name__}.{INDEX}")
    name = getattr(index, table).get(resource_type)
    return importlib.import_module(f"{__name__}.{name}") if name else None


def for_cloudformation(resource_type: str) -> ModuleType | None:
    """The adapter of a CloudFormation type, or None."""
    return _adapter("CLOUDFORMATION", resource_type)


def for_terraform(resource_type: str) -> ModuleType | None:
    """The adapter of a Terraform resource type, or None."""
    return _adapter("TERRAFORM", resource_type)


def cloudformation_types() -> frozenset[str]:
    return frozenset(importlib.import_module(f"{__name__}.{INDEX}").CLOUDFORMATION)


def terraform_types() -> frozenset[str]:
    return frozenset(importlib.import_module(f"{__name__}.{INDEX}").TERRAFORM)


def boolean(value: Any, where: str) -> bool | Unresolved | None:
    """A template's flag: a bool (``"true"``/``"false"`` in any case too), None when absent,
    :class:`Unresolved` when unknown or not a boolean at all."""
    value = flag(value)
    if value is None or isinstance(value, bool | Unresolved):
        return value
    return Unresolved(where, f"{where} is {value!r}, not a boolean")
