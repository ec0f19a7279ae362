"""CloudFormation templates -> :class:`~guardrails_runtime.model.Subject` list.

The resolver evaluates what can be known before deployment: ``Ref`` to a parameter (the
value given for the stack, else its ``Default``, noted on the subject so that a finding
can name it; a ``CommaDelimitedList`` splits), ``Fn::If`` on a condition that resolves,
``Fn::FindInMap``, ``Fn::Sub``/``Fn::Join``/``Fn::Select``/``Fn::Split`` over resolved
values, ``AWS::NoValue``, ``Fn::ForEach`` loops (:func:`expand_loops`). A resource under
a condition that is false is still judged, with a note saying so. Anything else (a
parameter without default, pseudo parameters, ``Fn::GetAtt`` of an attribute, imports)
is :class:`Unresolved`, which the policies report as a warning naming the field where
some value of it could violate: never a crash, never a silent pass.

Malformed input that CloudFormation would reject is read as far as it goes: a single
object where a list is expected, a list where a string is expected, quoted ports,
inverted port ranges; a scalar that means nothing (``FromPort: ssh``) is Unresolved.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from guardrails.scan import cfn_yaml, limits, parameters
from guardrails.scan.errors import ScanInputError
from guardrails_runtime.adapters import as_list, known, mapping
from guardrails_runtime.adapters import templates as adapters
from guardrails_runtime.model import ResourceRef, Subject, Unresolved

_NO_VALUE = object()
_EVALUATING = Unresolved("", "a condition being evaluated")


def _holds_function(value: Any) -> bool:
    if isinstance(value, list):
        return any(_holds_function(v) for v in value)
    if isinstance(value, dict):
        return any(k == "Ref" or str(k).startswith("Fn::") for k in value) or any(
            _holds_function(v) for v in value.values()
        )
    return False


def read_document(path: Path) -> Any:
    """Parse a JSON or YAML file; unreadable, empty, hostile (see :mod:`limits`) or too
    deeply nested input raises :class:`ScanInputError`."""
    text = read_text(path)
    if not text.strip():
        raise ScanInputError(f"{path}: empty file")
    if text.lstrip().startswith(("{", "[")):
        return parse_json(text, path)
    try:
        document = cfn_yaml.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScanInputError(f"{path}: invalid YAML{where}: {problem}") from exc
    except RecursionError as exc:
        raise limits.too_deep(path) from exc
    limits.check_aliases(document, str(path))
    return document


def parse_json(text: str, path: Path) -> Any:
    """JSON text of ``path``; ScanInputError (one line, with the line number) when it is not
    JSON or nests deeper than the parser goes."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScanInputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise limits.too_deep(path) from exc


def read_text(path: Path) -> str:
    """The file's text: UTF-8, with or without a byte order mark, or UTF-16 with one (what
    Windows PowerShell 5.1's ``>`` writes: ``terraform show -json > plan.json``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ScanInputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise ScanInputError(f"{path}: a folder, not a file") from exc
    except OSError as exc:
        raise ScanInputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # the BOM says which byte order
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ScanInputError(
            f"{path}: not {encoding.upper()} text (byte {exc.start}: {exc.reason}); save it as "
            "UTF-8 or UTF-16 with a byte order mark"
        ) from exc


def is_template(document: Any) -> bool:
    return isinstance(document, Mapping) and isinstance(document.get("Resources"), Mapping)


# An Fn::If taken on a condition a parameter's Default decided: (condition, its value,
# field path, those parameters).
Branch = tuple[str, bool, str, frozenset[str]]


class Resolver:
    """Evaluates intrinsic functions of one template as far as is possible before deploy."""

    def __init__(
        self,
        template: Mapping[str, Any],
        file: str = "template",
        given: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.file = file
        self.given = given or {}  # parameter values given for this stack (over defaults)
        self.notes: list[tuple[str, str]] = []  # defaults used, by field path
        self.parameters = mapping(template.get("Parameters"))
        self.mappings = mapping(template.get("Mappings"))
        self.conditions = mapping(template.get("Conditions"))
        self.resources = mapping(template.get("Resources"))
        # Loops inside properties are looked for only where the transform allows them.
        self.loops = "AWS::LanguageExtensions" in as_list(template.get("Transform"))
        self._condition_cache: dict[str, bool | Unresolved] = {}
        # The parameters whose Default decided each condition (none: given values or
        # literals decided it), collected while conditions are evaluated.
        self._defaults_of: dict[str, frozenset[str]] = {}
        self._collecting: list[set[str]] = []
        # Each Fn::If a Default decided, while resolving the current resource.
        self.branches: list[Branch] = []
        # Conditions given the other value, to judge the branch the Defaults did not take.
        self.forced: dict[str, bool] = {}
        # Where in the file each resource a loop made is written (expand_loops).
        self.origins: dict[str, tuple[str | int, ...]] = {}

    def resolve(self, value: Any, where: str) -> Any:
        """The value with every intrinsic evaluated; Unresolved where that is impossible."""
        # Hot path (every property of every resource): exact type checks, no ABCs, and no
        # copy of a list or mapping that holds no function (most do not): the value itself
        # is returned, so nothing may change what this returns.
        kind = type(value)
        if kind is list:
            out: list[Any] | None = None
            for i, item in enumerate(value):
                t = type(item)
                if t is dict or t is list:
                    new = self.resolve(item, f"{where}[{i}]")
                    if new is not item:
                        if out is None:
                            out = value[:i]
                        if new is not _NO_VALUE:
                            out.append(new)
                        continue
                if out is not None:
                    out.append(item)
            return value if out is None else out
        if kind is not dict:
            return value
        if len(value) == 1:
            key = next(iter(value))
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, value[key], where)
        if self.loops and any(str(k).startswith(_FOR_EACH) for k in value):
            expanded = expand_loops(self, value, where)
            if isinstance(expanded, Unresolved):
                return expanded
            value = expanded
        out_map: dict[str, Any] | None = None
        for n, (k, v) in enumerate(value.items()):
            t = type(v)
            if t is dict or t is list:
                new = self.resolve(v, f"{where}.{k}" if where else k)
                if new is not v:
                    if out_map is None:
                        out_map = dict(itertools.islice(value.items(), n))
                    if new is not _NO_VALUE:
                        out_map[k] = new
                    continue
            if out_map is not None:
                out_map[k] = v
        return value if out_map is None else out_map

    def _intrinsic(self, fn: str, arg: Any, where: str) -> Any:
        if fn == "Ref":
            return self._ref(arg, where)
        if fn == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3:
                return Unresolved(where, "Fn::If needs [condition, then, else]")
            decided = self.condition(arg[0], where)
            if isinstance(decided, Unresolved):
                return decided
            by_default = self._defaults_of.get(arg[0]) if arg[0] not in self.forced else None
            if by_default:
                self.branches.append((arg[0], decided, where, by_default))
            return self.resolve(arg[1] if decided else arg[2], where)
        if fn == "Fn::FindInMap":
            keys = self.resolve(arg, where)
            if not isinstance(keys, list) or len(keys) < 3:
                return Unresolved(where, "Fn::FindInMap needs [map, key, key]")
            for key in keys[:3]:
                if isinstance(key, Unresolved):
                    return key
            try:
                found = self.mappings[keys[0]][keys[1]][keys[2]]
            except (KeyError, TypeError):
                return Unresolved(where, f"Fn::FindInMap {keys[:3]} is not in Mappings")
            # Mappings hold literal values only (CloudFormation rejects functions there):
            # never evaluated, so a map cannot loop through itself.
            if _holds_function(found):
                raise ScanInputError(
                    f"{self.file}: Mappings {'.'.join(map(str, keys[:3]))} holds a function "
                    "(CloudFormation allows only literal values in Mappings)"
                )
            return found
        if fn == "Fn::Sub":
            return self._sub(arg, where)
        if fn == "Fn::Join":
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                arg = [arg[0], [_placeholder(p) for p in arg[1]]]
            parts = self.resolve(arg, where)
            if not isinstance(parts, list) or len(parts) != 2 or not isinstance(parts[1], list):
                return Unresolved(where, "Fn::Join needs [delimiter, [values]]")
            for part in [parts[0], *parts[1]]:
                if isinstance(part, Unresolved):
                    return part
            return str(parts[0]).join(str(p) for p in parts[1])
        if fn == "Fn::Select":
            parts = self.resolve(arg, where)
            if not isinstance(parts, list) or len(parts) != 2:
                return Unresolved(where, "Fn::Select needs [index, list]")
            if isinstance(parts[0], Unresolved) or isinstance(parts[1], Unresolved):
                return parts[0] if isinstance(parts[0], Unresolved) else parts[1]
            try:
                return parts[1][int(parts[0])]
            except (ValueError, IndexError, TypeError):
                return Unresolved(where, f"Fn::Select index {parts[0]!r} is out of range")
        if fn == "Fn::Split":
            parts = self.resolve(arg, where)
            if not isinstance(parts, list) or len(parts) != 2:
                return Unresolved(where, "Fn::Split needs [delimiter, text]")
            if isinstance(parts[1], Unresolved):
                return parts[1]
            return str(parts[1]).split(str(parts[0]))
        if fn == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            target = parts[0] if parts else None
            if isinstance(target, str) and target in self.resources:
                return ResourceRef(target, str(parts[1]) if len(parts) > 1 else "")
            return Unresolved(where, f"Fn::GetAtt {arg!r} is known only after deployment")
        return Unresolved(where, f"{fn} is not evaluated before deployment")

    def _ref(self, name: Any, where: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if not isinstance(name, str):
            return Unresolved(where, f"Ref to {name!r}")
        if name in self.resources:
            return ResourceRef(name)
        parameter = self.parameters.get(name)
        if isinstance(parameter, Mapping):
            if name in self.given:
                value = self.given[name]
                if value is parameters.PREVIOUS:
                    return Unresolved(
                        where, f"parameter {name!r} keeps its previous value (UsePreviousValue)"
                    )
            elif "Default" not in parameter:
                return Unresolved(
                    where,
                    f"Ref to parameter {name!r}, which has no Default (give it a value with "
                    f"guardrails scan --parameter {name}=VALUE)",
                )
            else:
                value = parameter["Default"]
                self.notes.append((where, f"parameter {name} = {value!r}, its Default"))
                for used in self._collecting:
                    used.add(name)
            kind = str(parameter.get("Type", ""))
            if kind.startswith(("CommaDelimitedList", "List<")) and isinstance(value, str):
                return [p.strip() for p in value.split(",")]
            return value
        if name.startswith("AWS::"):
            return Unresolved(where, f"pseudo parameter {name} is known only at deployment")
        return Unresolved(where, f"Ref to {name!r}, which is neither a parameter nor a resource")

    def _sub(self, arg: Any, where: str) -> Any:
        if isinstance(arg, list) and len(arg) == 2:
            text, variables = arg[0], self.resolve(arg[1], where)
        else:
            text, variables = arg, {}
        if not isinstance(text, str) or not isinstance(variables, Mapping):
            return Unresolved(where, "Fn::Sub needs text, or [text, {variables}]")
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, closed, rest = after.partition("}")
            if not closed:
                return Unresolved(where, "Fn::Sub has an unclosed ${")
            out.append(before)
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
                continue
            if name in PSEUDO_TEXT and name not in variables:
                out.append("${" + name + "}")  # part of a text: see PSEUDO_TEXT
                continue
            value = variables[name] if name in variables else self._ref(name, where)
            if "." in name and name not in variables:
                value = Unresolved(where, f"Fn::Sub ${{{name}}} is known only after deployment")
            if isinstance(value, Unresolved | ResourceRef):
                return (
                    value
                    if isinstance(value, Unresolved)
                    else Unresolved(where, f"Fn::Sub ${{{name}}} is known only after deployment")
                )
            out.append(str(value))
        out.append(rest)
        return "".join(out)

    def condition(self, name: Any, where: str) -> bool | Unresolved:
        """A named condition's value, evaluated from its definition."""
        if not isinstance(name, str) or name not in self.conditions:
            return Unresolved(where, f"condition {name!r} is not defined")
        if name in self.forced:
            return self.forced[name]
        cached = self._condition_cache.get(name)
        if cached is _EVALUATING:
            raise ScanInputError(
                f"{self.file}: condition {name!r} depends on itself (CloudFormation rejects "
                "a circular condition)"
            )
        if cached is None:
            self._condition_cache[name] = _EVALUATING
            self._collecting.append(set())
            try:
                cached = self._evaluate(self.conditions[name], where)
            finally:
                used = self._collecting.pop()
            self._condition_cache[name] = cached
            self._defaults_of[name] = frozenset(used)
        for outer in self._collecting:  # a condition that names this one
            outer.update(self._defaults_of.get(name, ()))
        return cached

    def _evaluate(self, expression: Any, where: str) -> bool | Unresolved:
        if isinstance(expression, bool):
            return expression
        if not isinstance(expression, Mapping) or len(expression) != 1:
            return Unresolved(where, f"condition {expression!r} is not a condition function")
        ((fn, arg),) = expression.items()
        if fn == "Condition":
            return self.condition(arg, where)
        if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = (self.resolve(x, where) for x in arg)
            for side in (a, b):
                if isinstance(side, Unresolved | ResourceRef):
                    return Unresolved(
                        where, f"Fn::Equals compares a value unknown before deploy ({arg!r})"
                    )
            return str(a) == str(b)
        if fn in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            values = [self._evaluate(x, where) for x in arg]
            known = [v for v in values if isinstance(v, bool)]
            if fn == "Fn::And" and False in known:
                return False
            if fn == "Fn::Or" and True in known:
                return True
            if len(known) < len(values):
                return next(v for v in values if isinstance(v, Unresolved))
            return all(known) if fn == "Fn::And" else any(known)
        if fn == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            value = self._evaluate(arg[0], where)
            return value if isinstance(value, Unresolved) else not value
        return Unresolved(where, f"{fn} is not a condition function")


def subjects(
    template: Mapping[str, Any], file: str, given: Mapping[str, Any] | None = None
) -> list[Subject]:
    """Every resource of the template that a resource adapter reads, as a subject.

    A resource that configures another one (``OWNERS`` of its adapter: an ingress rule, a
    bucket policy) is judged with the tags of the resource it names, when that resource
    is in the same template.
    """
    resolver = Resolver(template, file, given)
    if any(str(k).startswith(_FOR_EACH) for k in resolver.resources):
        resolver.resources = expand_loops(resolver, resolver.resources)
    out: list[Subject] = []
    by_logical_id: dict[str, Subject] = {}
    owned: list[tuple[Subject, Mapping[str, Any] | Unresolved, ModuleType]] = []
    # Resources with an Fn::If a Default decided: judged again with the other branch.
    branching: list[tuple[Subject, Any, ModuleType, list[Branch]]] = []
    for logical_id, resource in resolver.resources.items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        adapter = adapters.for_cloudformation(kind) if isinstance(kind, str) else None
        if adapter is None:
            continue
        resolver.notes = []
        resolver.branches = []
        if "Condition" in resource:
            # Judged whatever the condition: other parameter values may make it hold.
            condition = resource["Condition"]
            if resolver.condition(condition, logical_id) is False:
                resolver.notes.append(
                    (
                        "",
                        f"created only when condition {condition!r} holds: false with these "
                        "parameter values",
                    )
                )
        raw = resource.get("Properties") or {}
        props = raw if isinstance(raw, Unresolved) else resolver.resolve(raw, "")
        if not isinstance(props, dict | Unresolved):
            props = {}
        facts = adapter.from_cloudformation(_Source(str(kind), props))
        if facts is None:
            continue
        path = _construct_path(resource)
        subject = Subject(
            adapter.KIND,
            _address(logical_id, path),
            str(kind),
            file,
            _tags(props.get("Tags") if isinstance(props, dict) else props),
            facts,
            path,
            tuple(dict.fromkeys(resolver.notes)) if resolver.notes else (),
            origin=resolver.origins.get(logical_id, ()),
        )
        if kind in adapter.OWNERS:
            owned.append((subject, props, adapter))
        by_logical_id[logical_id] = subject
        out.append(subject)
        if resolver.branches:
            branching.append((subject, raw, adapter, resolver.branches))
    groups: dict[object, list[Subject]] = {}
    kinds: dict[object, ModuleType] = {}
    for subject, props, adapter in owned:
        keys = adapter.OWNERS[subject.resource_type]
        ref = (
            next((props[k] for k in keys if k in props), None) if isinstance(props, dict) else None
        )
        owner = by_logical_id.get(ref.logical_id) if isinstance(ref, ResourceRef) else None
        subject.tags = owner.tags if owner is not None else {}
        # Rules of one group judged together: the group itself when it is in the
        # template, else every rule that names the same group id.
        key: object = id(owner) if owner is not None else (subject.kind, ref)
        if owner is not None and key not in groups:
            groups[key] = [owner]
        if owner is not None or isinstance(ref, str):
            groups.setdefault(key, []).append(subject)
            kinds[key] = adapter
    for subject, raw, adapter, branches in branching:
        for variant in _other_branches(resolver, subject, raw, adapter, branches):
            if subject.resource_type in adapter.OWNERS:
                # A rule or policy resource: judged on its own, with its owner's tags.
                variant.tags = subject.tags
            out.append(variant)
    for key, members in groups.items():
        adapters.gather_group(members, kinds[key])
    if "Transform" in template or "Fn::Transform" in resolver.resources:
        for logical_id, where, message in unprocessed(template):
            address = _address(
                logical_id, _construct_path(resolver.resources.get(logical_id) or {})
            )
            out.append(
                Subject(
                    INPUT_KIND,
                    address or "Transform",
                    "AWS::CloudFormation::Template",
                    file,
                    {},
                    ((where, message),),
                )
            )
    return out


def _other_branches(
    resolver: Resolver,
    subject: Subject,
    raw: Any,
    adapter: ModuleType,
    branches: list[Branch],
) -> list[Subject]:
    """The resource again for each Fn::If whose condition a parameter's Default decided,
    with that condition's other value: another environment's parameters deploy that
    branch. One condition flipped at a time; only when the facts differ. The engine
    reports a variant's findings that the resource itself does not have."""
    taken = {condition: (value, params) for condition, value, _, params in branches}
    variants = []
    for condition, (value, params) in taken.items():
        resolver.notes, resolver.branches = [], []
        resolver.forced = {condition: not value}
        try:
            props = raw if isinstance(raw, Unresolved) else resolver.resolve(raw, "")
        finally:
            resolver.forced = {}
        if not isinstance(props, dict | Unresolved):
            props = {}
        facts = adapter.from_cloudformation(_Source(subject.resource_type, props))
        if facts is None or facts == subject.facts:
            continue
        names = ", ".join(sorted(params))
        why = (
            f"when condition {condition!r} is {str(not value).lower()}: it is "
            f"{str(value).lower()} only with the Default of {names}"
        )
        variants.append(
            dataclasses.replace(
                subject,
                tags=_tags(props.get("Tags") if isinstance(props, dict) else props),
                facts=facts,
                notes=tuple(dict.fromkeys([("", why), *resolver.notes])),
                variant_of=subject,
            )
        )
    return variants


_FOR_EACH = "Fn::ForEach::"

# Pseudo parameters that, inside a longer text (an ARN built with Fn::Sub or Fn::Join),
# cannot change what the text means to a policy: a partition, account, region or domain
# never turns "arn:...:iam::...:root" into "*". Such a text keeps them as ``${Name}``
# and is judged; a pseudo parameter that is a whole value stays unknown.
PSEUDO_TEXT = frozenset({"AWS::Partition", "AWS::AccountId", "AWS::Region", "AWS::URLSuffix"})


def _placeholder(part: Any) -> Any:
    if isinstance(part, dict) and len(part) == 1 and part.get("Ref") in PSEUDO_TEXT:
        return "${" + part["Ref"] + "}"
    return part


def expand_loops(
    resolver: Resolver,
    resources: Mapping[str, Any],
    where: str | None = None,
    at: tuple[str | int, ...] = ("Resources",),
    source: Mapping[str, Any] | None = None,
) -> Any:
    """Resources with every ``Fn::ForEach`` loop (``AWS::LanguageExtensions``) expanded as
    CloudFormation expands it: for each value of the collection (a list, or a ``Ref`` to a
    list parameter), each key of the fragment with ``${Identifier}`` replaced by the value
    and ``&{Identifier}`` by the value without its non-alphanumeric characters, the same
    replacements in every string of the fragment and ``Ref: Identifier`` replaced by the
    value; loops inside loops likewise.

    A loop whose collection is unknown before deployment cannot be expanded. In
    Resources (``where`` None) each of its resources is kept once, under its key as
    written, with properties that are wholly unknown, so every policy that judges its type
    warns and names the loop; inside properties, the whole mapping becomes unknown.

    In Resources, each resource a loop makes is noted in ``resolver.origins`` with the
    path of its fragment in the file (``at``: the mapping's own path; ``source``: the
    mapping as the file writes it, before outer loops replaced their identifiers), so a
    finding points at the loop's lines.
    """
    out: dict[str, Any] = {}
    written = _as_written(resources, resources if source is None else source)
    for key, value in resources.items():
        if not str(key).startswith(_FOR_EACH):
            out[key] = value
            if where is None and len(at) > 1 and key in written:
                resolver.origins[key] = (*at, written[key])
            continue
        loop = str(key)
        if not isinstance(value, list) or len(value) != 3 or not isinstance(value[2], Mapping):
            raise ScanInputError(
                f"{resolver.file}: {loop} needs [identifier, collection, {{fragment}}]"
            )
        identifier, collection, fragment = value
        items = resolver.resolve(collection, loop)
        if isinstance(items, str):
            items = [p.strip() for p in items.split(",")]
        if not isinstance(items, list) or any(isinstance(i, Unresolved) for i in items):
            why = items.why if isinstance(items, Unresolved) else "an item is unknown"
            unknown = Unresolved(
                where or "", f"{loop} cannot be expanded before deployment (its collection: {why})"
            )
            if where is not None:
                return unknown
            for inner_key, resource, origin in _unexpanded(
                fragment, (*at, written.get(loop, loop), 2)
            ):
                out[inner_key] = dict(resource, Properties=unknown)
                if where is None:
                    resolver.origins[inner_key] = origin
            continue
        for item in items:
            text = str(item)
            bare = "".join(c for c in text if c.isalnum())
            names = {"${" + str(identifier) + "}": text, "&{" + str(identifier) + "}": bare}
            copy = _substitute(fragment, str(identifier), text, names)
            declared = (source or resources).get(written.get(loop, loop))
            inner = expand_loops(
                resolver,
                copy,
                where,
                (*at, written.get(loop, loop), 2),
                declared[2] if isinstance(declared, list) and len(declared) == 3 else {},
            )
            if isinstance(inner, Unresolved):
                return inner
            out.update(inner)
    return out


def _as_written(mapping: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, str]:
    """Each key of ``mapping`` (identifiers replaced) as ``source`` writes it: the keys
    pair up in order (CloudFormation refuses keys that collide after replacement; then,
    and for anything else unexpected, none pair)."""
    if not isinstance(source, Mapping) or len(mapping) != len(source):
        return {}
    return {str(k): str(w) for k, w in zip(mapping, source, strict=True)}


def _unexpanded(
    fragment: Mapping[str, Any], at: tuple[str | int, ...]
) -> Iterable[tuple[str, Mapping[str, Any], tuple[str | int, ...]]]:
    for key, value in fragment.items():
        if str(key).startswith(_FOR_EACH) and isinstance(value, list) and len(value) == 3:
            if isinstance(value[2], Mapping):
                yield from _unexpanded(value[2], (*at, str(key), 2))
        elif isinstance(value, Mapping):
            yield str(key), value, (*at, str(key))


def _substitute(value: Any, identifier: str, item: str, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace(name, replacement)
        return value
    if isinstance(value, list):
        return [_substitute(v, identifier, item, names) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and value.get("Ref") == identifier:
            return item
        return {
            _substitute(k, identifier, item, names): _substitute(v, identifier, item, names)
            for k, v in value.items()
        }
    return value


# Transforms whose effect the scan reads itself: loops are expanded (expand_loops), and of
# the SAM resource types only AWS::Serverless::Application (a nested application) can
# create what a policy judges without being read here (a function's URL is read).
_READ_TRANSFORMS = frozenset({"AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"})
_UNREAD_SAM_TYPES = frozenset({"AWS::Serverless::Application"})
INPUT_KIND = "template-input"  # subjects that stand for parts of a file nobody judged


def unprocessed(template: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(logical id or "", field, message)`` for each part of a template that a transform
    rewrites at deployment in a way the scan does not read: a macro named in
    ``Transform``, an ``Fn::Transform`` (``AWS::Include`` or a macro) that stands for
    resources, a SAM nested application. What they create is not in the file. (An
    ``Fn::Transform`` inside a resource is an unknown value like any other: the policies
    warn where it could matter.)"""
    out: list[tuple[str, str, str]] = []
    for entry in as_list(template.get("Transform")):
        name = entry.get("Name") if isinstance(entry, Mapping) else entry
        if str(name) not in _READ_TRANSFORMS:
            out.append(("", "Transform", f"the transform {name} rewrites the template"))
    for logical_id, resource in mapping(template.get("Resources")).items():
        if logical_id == "Fn::Transform":
            name = mapping(resource).get("Name", resource)
            out.append(("", "Resources", f"Fn::Transform {name} adds resources"))
        elif isinstance(resource, Mapping) and resource.get("Type") in _UNREAD_SAM_TYPES:
            out.append((str(logical_id), "", "a nested application is deployed from elsewhere"))
    return [
        (
            logical_id,
            where,
            f"{what} at deployment, which this file does not show: scan the processed "
            "template (aws cloudformation get-template --template-stage Processed, or the "
            "output of sam build)",
        )
        for logical_id, where, what in out
    ]


class _Source:
    """One resolved resource, as an adapter reads it (see ``adapters.Source``)."""

    __slots__ = ("configured_by", "props", "resource_type")

    def __init__(self, resource_type: str, props: Mapping[str, Any] | Unresolved) -> None:
        self.resource_type = resource_type
        self.props = props
        self.configured_by: frozenset[str] = frozenset()

    def get(self, *path: str | int) -> Any:
        value: Any = self.props
        for step in path:
            if isinstance(value, Unresolved):
                return value
            if isinstance(step, int):
                value = value[step] if isinstance(value, list) and step < len(value) else None
            else:
                value = value.get(step) if isinstance(value, dict) else None
        if type(value) is ResourceRef:  # the location is written only when needed
            return known(value, adapters.location(path))
        return value

    def declared(self, name: str) -> bool:
        # Properties wholly unknown (an unexpanded loop): anything may be set.
        return isinstance(self.props, Unresolved) or name in self.props


def _address(logical_id: str, path: str) -> str:
    """The logical id, with the CDK construct path (``aws:cdk:path``) when there is one."""
    return f"{logical_id} ({path})" if path else logical_id


def _construct_path(resource: Mapping[str, Any]) -> str:
    metadata = resource.get("Metadata")
    path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
    return path if isinstance(path, str) else ""


def logical_id_of(address: str) -> str:
    return address.split(" (", 1)[0]


def _tags(value: Any) -> dict[str, str] | Unresolved:
    if isinstance(value, Unresolved):
        return value
    tags: dict[str, str] = {}
    for tag in as_list(value):
        if isinstance(tag, dict) and isinstance(tag.get("Key"), str):
            tag_value = tag.get("Value")
            if not isinstance(tag_value, Unresolved):
                tags[tag["Key"]] = str(tag_value)
    return tags
