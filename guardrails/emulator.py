"""In-memory AWS for ``guardrails replay --emulate``: moto, set up as each event implies.

For each event the emulator finds the policy the handler would route it to (by event
source and name, or by Config rule name) and calls that policy's hook
(``policies/<id>/emulate.py``): it creates the resource the event names, puts it in the
state the event implies (performing the recorded call itself), and returns renames of
recorded ids to emulated ones; the emulator rewrites the event with them. Afterwards the
same hook reads the resource back in the AWS API shape. What "the state the event implies"
means is written in each hook's docstring.

A fixture may carry ``"guardrailsEmulation": {"groupTags": {"SecurityExemption": "true"}}``
at its top level to tag the emulated resource; the handler ignores the key.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import EmulationError
from guardrails_runtime.events import (
    ApiCall,
    ComplianceChange,
    MalformedEventError,
    Recheck,
    parse,
)
from guardrails_runtime.remediations import by_event
from guardrails_runtime.spec import spec, specs

__all__ = ["EmulationError", "after", "emulated_aws", "prepare", "region_of"]

EMULATION_KEY = "guardrailsEmulation"
DEFAULT_REGION = "us-east-1"
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@contextlib.contextmanager
def emulated_aws() -> Iterator[None]:
    """moto's in-memory AWS with throwaway credentials, restored on exit."""
    try:
        from moto import mock_aws
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise EmulationError("--emulate needs moto: pip install 'cdk-guardrails[emulate]'") from exc
    saved = {k: os.environ.get(k) for k in _FAKE_CREDENTIALS}
    os.environ.update(_FAKE_CREDENTIALS)
    try:
        with mock_aws():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def region_of(event: Mapping[str, Any]) -> str:
    """The event's region (record or envelope), else us-east-1."""
    detail = event.get("detail")
    for source in (event, detail if isinstance(detail, Mapping) else {}):
        for key in ("awsRegion", "region"):
            value = source.get(key)
            if isinstance(value, str) and value:
                return value
    return DEFAULT_REGION


def prepare(
    event: dict[str, Any], clients: Clients, config_rules: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Create the state ``event`` implies and return the event with the emulated ids.

    ``config_rules`` maps deployed Config rule names to policies (the settings' routes);
    a compliance change of a rule not in it goes to the first policy that fixes its
    resource type. Events the emulator does not know (or cannot parse) come back
    unchanged, so the handler reports them as it would in AWS.
    """
    try:
        parsed = parse(event)
    except MalformedEventError:
        return event
    if isinstance(parsed, Recheck):
        return event  # the guardrail's own re-check: the resource is already there
    hook = _hook(parsed, config_rules or {})
    if hook is None:
        return event
    try:
        renames = hook.prepare(parsed, clients, region_of(event), _emulation_tags(event))
    except MalformedEventError:
        return event
    text = json.dumps(event)
    for old, new in renames.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    rewritten: dict[str, Any] = json.loads(text)
    return rewritten


def after(policy: str | None, resource: str | None, region: str, clients: Clients) -> Any:
    """The resource's state after the handler ran, in the AWS API shape (None if unknown)."""
    hook = _hook_of(policy)
    return hook.after(resource, region, clients) if hook is not None else None


def _hook_of(policy: str | None) -> ModuleType | None:
    """A policy folder's emulator hook (``emulate.py``: ``prepare`` and ``after``), if any."""
    if not policy:
        return None
    try:
        module = spec(policy).module
    except KeyError:
        return None
    try:
        return importlib.import_module(f"guardrails_runtime.policies.{module}.emulate")
    except ModuleNotFoundError:
        return None


def _hook(parsed: ApiCall | ComplianceChange, config_rules: Mapping[str, str]) -> ModuleType | None:
    """The emulator hook of the policy an event goes to, if that policy has one."""
    if isinstance(parsed, ComplianceChange):
        routed = config_rules.get(parsed.rule_name)
        if routed is not None:
            return _hook_of(routed)
        for candidate in specs():
            if candidate.fix and parsed.resource_type in candidate.fix.config_resource_types:
                return _hook_of(candidate.id)
        return None
    remediation = by_event(parsed.event_source, parsed.event_name)
    return _hook_of(remediation.policy) if remediation is not None else None


def _emulation_tags(event: Mapping[str, Any]) -> dict[str, str]:
    extra = event.get(EMULATION_KEY)
    tags = extra.get("groupTags") if isinstance(extra, Mapping) else None
    return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {}
