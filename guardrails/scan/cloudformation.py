"""CloudFormation templates -> :class:`~guardrails_runtime.model.Subject` list.

The resolver evaluates what can be known before deployment: ``Ref`` to a parameter with
a ``Default`` (a ``CommaDelimitedList`` splits), ``Fn::If`` on a condition that resolves,
``Fn::FindInMap``, ``Fn::Sub``/``Fn::Join``/``Fn::Select``/``Fn::Split`` over resolved
values, ``AWS::NoValue``. Anything else (a parameter without default, pseudo parameters,
``Fn::GetAtt`` of an attribute, imports) is :class:`Unresolved`, which the policies report
as a warning naming the field: never a crash, never a silent pass.

Malformed input that CloudFormation would reject is read as far as it goes: a single
object where a list is expected, a list where a string is expected, quoted ports,
inverted port ranges; a scalar that means nothing (``FromPort: ssh``) is Unresolved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from guardrails.scan import cfn_yaml
from guardrails.scan.common import ingress_entries
from guardrails.scan.errors import ScanInputError
from guardrails_runtime import adapters
from guardrails_runtime.adapters import flag as _flag
from guardrails_runtime.model import SourceKind, Subject, Unresolved


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A reference to a resource of the same template (``Ref`` or ``Fn::GetAtt``)."""

    logical_id: str
    attribute: str = ""

    def describe(self) -> str:
        return f"{self.logical_id}.{self.attribute}" if self.attribute else self.logical_id


_NO_VALUE = object()
_READ_TYPES = frozenset(
    {
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
        "AWS::CloudTrail::Trail",
        "AWS::EC2::Volume",
    }
)


def read_document(path: Path) -> Any:
    """Parse a JSON or YAML file; unreadable or empty input raises :class:`ScanInputError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ScanInputError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScanInputError(f"{path}: cannot read ({exc})") from exc
    if not text.strip():
        raise ScanInputError(f"{path}: empty file")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScanInputError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    try:
        return cfn_yaml.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScanInputError(f"{path}: invalid YAML{where}: {problem}") from exc


def is_template(document: Any) -> bool:
    return isinstance(document, Mapping) and isinstance(document.get("Resources"), Mapping)


class Resolver:
    """Evaluates intrinsic functions of one template as far as is possible before deploy."""

    def __init__(self, template: Mapping[str, Any]) -> None:
        self.template = template
        self.parameters = _mapping(template.get("Parameters"))
        self.mappings = _mapping(template.get("Mappings"))
        self.conditions = _mapping(template.get("Conditions"))
        self.resources = _mapping(template.get("Resources"))
        self._condition_cache: dict[str, bool | Unresolved] = {}

    def resolve(self, value: Any, where: str) -> Any:
        """The value with every intrinsic evaluated; Unresolved where that is impossible."""
        # Hot path (every property of every resource): exact type checks, no ABCs.
        kind = type(value)
        if kind is list:
            out = []
            for i, item in enumerate(value):
                resolved = self.resolve(item, f"{where}[{i}]")
                if resolved is not _NO_VALUE:
                    out.append(resolved)
            return out
        if kind is not dict:
            return value
        if len(value) == 1:
            key = next(iter(value))
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, value[key], where)
        out_map = {}
        for k, v in value.items():
            t = type(v)
            resolved = (
                self.resolve(v, f"{where}.{k}" if where else k) if t is dict or t is list else v
            )
            if resolved is not _NO_VALUE:
                out_map[k] = resolved
        return out_map

    def _intrinsic(self, fn: str, arg: Any, where: str) -> Any:
        if fn == "Ref":
            return self._ref(arg, where)
        if fn == "Fn::If":
            if not isinstance(arg, list) or len(arg) != 3:
                return Unresolved(where, "Fn::If needs [condition, then, else]")
            decided = self.condition(arg[0], where)
            if isinstance(decided, Unresolved):
                return decided
            return self.resolve(arg[1] if decided else arg[2], where)
        if fn == "Fn::FindInMap":
            keys = self.resolve(arg, where)
            if not isinstance(keys, list) or len(keys) < 3:
                return Unresolved(where, "Fn::FindInMap needs [map, key, key]")
            for key in keys[:3]:
                if isinstance(key, Unresolved):
                    return key
            try:
                return self.resolve(self.mappings[keys[0]][keys[1]][keys[2]], where)
            except (KeyError, TypeError):
                return Unresolved(where, f"Fn::FindInMap {keys[:3]} is not in Mappings")
        if fn == "Fn::Sub":
            return self._sub(arg, where)
        if fn == "Fn::Join":
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
            if "Default" not in parameter:
                return Unresolved(where, f"Ref to parameter {name!r}, which has no Default")
            default = parameter["Default"]
            kind = str(parameter.get("Type", ""))
            if kind.startswith(("CommaDelimitedList", "List<")) and isinstance(default, str):
                return [p.strip() for p in default.split(",")]
            return default
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
        if name not in self._condition_cache:
            self._condition_cache[name] = Unresolved(where, f"condition {name!r} refers to itself")
            self._condition_cache[name] = self._evaluate(self.conditions[name], where)
        return self._condition_cache[name]

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


def subjects(template: Mapping[str, Any], file: str) -> list[Subject]:
    """Every resource of the template that a static policy looks at."""
    resolver = Resolver(template)
    out: list[Subject] = []
    groups: dict[str, Subject] = {}
    buckets: dict[str, Subject] = {}
    deferred: list[tuple[str, Mapping[str, Any]]] = []
    for logical_id, resource in resolver.resources.items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        adapter = adapters.for_cloudformation(kind) if isinstance(kind, str) else None
        if kind not in _READ_TYPES and adapter is None:
            continue
        if (
            "Condition" in resource
            and resolver.condition(resource["Condition"], logical_id) is False
        ):
            continue  # never created
        address = _address(logical_id, resource)
        props = resolver.resolve(resource.get("Properties") or {}, "")
        if not isinstance(props, Mapping):
            props = {}
        if adapter is not None:
            # A resource adapter reads its own type (see guardrails_runtime.adapters).
            facts = {"resource": adapter.from_cloudformation(_getter(props))}
            tags = _tags(props.get("Tags"))
            out.append(Subject(adapter.KIND, address, str(kind), file, tags, facts))
        elif kind == "AWS::EC2::SecurityGroup":
            subject = Subject("security-group", address, kind, file, _tags(props.get("Tags")))
            subject.facts["ingress"] = _ingress(
                props.get("SecurityGroupIngress"), "SecurityGroupIngress"
            )
            groups[logical_id] = subject
            out.append(subject)
        elif kind == "AWS::S3::Bucket":
            subject = Subject("bucket", address, kind, file, _tags(props.get("Tags")))
            subject.facts.update(_bucket_facts(props))
            buckets[logical_id] = subject
            out.append(subject)
        elif kind == "AWS::CloudTrail::Trail":
            subject = Subject("trail", address, kind, file, _tags(props.get("Tags")))
            # IsLogging is required (absent: not logging); validation defaults to off.
            subject.facts["logging"] = ("IsLogging", _flag(props.get("IsLogging", False)))
            subject.facts["validation"] = (
                "EnableLogFileValidation",
                _flag(props.get("EnableLogFileValidation", False)),
            )
            out.append(subject)
        elif kind == "AWS::EC2::Volume":
            subject = Subject("volume", address, kind, file, _tags(props.get("Tags")))
            subject.facts["encrypted"] = ("Encrypted", _flag(props.get("Encrypted", False)))
            out.append(subject)
        elif kind in ("AWS::EC2::SecurityGroupIngress", "AWS::S3::BucketPolicy"):
            deferred.append((logical_id, resource))
    for logical_id, resource in deferred:
        address = _address(logical_id, resource)
        props = resolver.resolve(resource.get("Properties") or {}, "")
        props = props if isinstance(props, Mapping) else {}
        if resource.get("Type") == "AWS::EC2::SecurityGroupIngress":
            owner = props.get("GroupId", props.get("GroupName"))
            group = groups.get(owner.logical_id) if isinstance(owner, ResourceRef) else None
            subject = Subject(
                "security-group", address, str(resource["Type"]), file, group.tags if group else {}
            )
            subject.facts["ingress"] = _ingress(props, "", single=True)
            out.append(subject)
        else:
            target = props.get("Bucket")
            bucket = buckets.get(target.logical_id) if isinstance(target, ResourceRef) else None
            statements = _statements(props.get("PolicyDocument"), "PolicyDocument")
            subject = Subject(
                "bucket-policy", address, str(resource["Type"]), file, bucket.tags if bucket else {}
            )
            subject.facts["policy"] = statements
            out.append(subject)
    return out


def _getter(props: Mapping[str, Any]) -> Any:
    """``get(name)`` for an adapter: the resolved property, references as Unresolved."""

    def get(name: str) -> Any:
        return _known(props.get(name), name)

    return get


def _address(logical_id: str, resource: Mapping[str, Any]) -> str:
    """The logical id, with the CDK construct path when the template has one."""
    path = _mapping(resource.get("Metadata")).get("aws:cdk:path")
    return f"{logical_id} ({path})" if isinstance(path, str) else logical_id


def logical_id_of(address: str) -> str:
    return address.split(" (", 1)[0]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _tags(value: Any) -> dict[str, str] | Unresolved:
    if isinstance(value, Unresolved):
        return value
    tags: dict[str, str] = {}
    for tag in _as_list(value):
        if isinstance(tag, Mapping) and isinstance(tag.get("Key"), str):
            tag_value = tag.get("Value")
            if not isinstance(tag_value, Unresolved):
                tags[tag["Key"]] = str(tag_value)
    return tags


def _ingress(value: Any, where: str, *, single: bool = False) -> list[tuple[str, Any]]:
    """``(location, IngressEntry | Unresolved)`` for each source of each ingress rule."""
    if isinstance(value, Unresolved):
        return [(where, value)]
    rules = [value] if single else _as_list(value)
    out: list[tuple[str, Any]] = []
    for i, rule in enumerate(rules):
        location = where if single else f"{where}[{i}]"
        if isinstance(rule, Unresolved):
            out.append((location, rule))
            continue
        if not isinstance(rule, dict):
            out.append((location, Unresolved(location, f"not an ingress rule: {rule!r}")))
            continue
        out.extend(_rule_entries(rule, location))
    return out


def _rule_entries(rule: Mapping[str, Any], location: str) -> list[tuple[str, Any]]:
    prefix = f"{location}." if location else ""
    sources: list[tuple[str, SourceKind, Any]] = []
    for key, kind in (
        ("CidrIp", SourceKind.IPV4),
        ("CidrIpv6", SourceKind.IPV6),
        ("SourcePrefixListId", SourceKind.PREFIX_LIST),
        ("SourceSecurityGroupId", SourceKind.GROUP),
        ("SourceSecurityGroupName", SourceKind.GROUP),
    ):
        if key in rule:
            values = rule[key] if isinstance(rule[key], list) else [rule[key]]
            cidr = kind in (SourceKind.IPV4, SourceKind.IPV6)
            sources.extend(
                (f"{prefix}{key}", kind, _known(v, f"{prefix}{key}") if cidr else v) for v in values
            )
    ports = {key: rule.get(key) for key in ("FromPort", "ToPort")}
    return list(ingress_entries(sources, rule.get("IpProtocol", "-1"), ports, prefix))


def _known(value: Any, where: str) -> Any:
    """A resource's attribute (``!GetAtt Vpc.CidrBlock``) is unknown until deployment."""
    if isinstance(value, ResourceRef):
        return Unresolved(where, f"comes from {value.describe()}, known only after deployment")
    return value


def _bucket_facts(props: Mapping[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    encryption = props.get("BucketEncryption")
    if encryption is None:
        facts["encryption"] = None
    elif isinstance(encryption, Unresolved):
        facts["encryption"] = encryption
    else:
        config = _mapping(encryption).get("ServerSideEncryptionConfiguration")
        if isinstance(config, Unresolved):
            facts["encryption"] = config
        else:
            algorithms: list[tuple[str, Any]] = []
            for i, rule in enumerate(_as_list(config)):
                where = f"BucketEncryption.ServerSideEncryptionConfiguration[{i}]"
                default = _mapping(rule).get("ServerSideEncryptionByDefault")
                algorithm = _mapping(default).get("SSEAlgorithm")
                if isinstance(default, Unresolved):
                    algorithm = default
                elif algorithm is None:
                    algorithm = "(none)"
                algorithms.append(
                    (
                        f"{where}.ServerSideEncryptionByDefault.SSEAlgorithm",
                        algorithm if isinstance(algorithm, Unresolved) else str(algorithm),
                    )
                )
            facts["encryption"] = algorithms
    pab = props.get("PublicAccessBlockConfiguration")
    if pab is not None:
        facts["public_access_block"] = (
            pab
            if isinstance(pab, Unresolved)
            else {
                flag: (f"PublicAccessBlockConfiguration.{flag}", _flag(_mapping(pab).get(flag)))
                for flag in (
                    "BlockPublicAcls",
                    "IgnorePublicAcls",
                    "BlockPublicPolicy",
                    "RestrictPublicBuckets",
                )
            }
        )
    acl = props.get("AccessControl")
    if acl is not None:
        facts["acl"] = ("AccessControl", acl if isinstance(acl, Unresolved) else str(acl))
    return facts


def _statements(document: Any, where: str) -> list[tuple[str, Any]]:
    if isinstance(document, Unresolved):
        return [(where, document)]
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return [(where, Unresolved(where, "PolicyDocument is not JSON"))]
    statements = _mapping(document).get("Statement")
    if isinstance(statements, Unresolved):
        return [(where, statements)]
    out: list[tuple[str, Any]] = []
    for i, statement in enumerate(_as_list(statements)):
        location = f"PolicyDocument.Statement[{i}]"
        if isinstance(statement, Mapping):
            problem = _first_unresolved(
                statement, ("Effect", "Principal", "NotPrincipal", "Condition")
            )
            out.append((location, problem or statement))
    return out


def _first_unresolved(value: Mapping[str, Any], keys: tuple[str, ...]) -> Unresolved | None:
    def walk(v: Any) -> Unresolved | None:
        if isinstance(v, Unresolved):
            return v
        if isinstance(v, Mapping):
            for item in v.values():
                if found := walk(item):
                    return found
        if isinstance(v, list):
            for item in v:
                if found := walk(item):
                    return found
        return None

    for key in keys:
        if found := walk(value.get(key)):
            return found
    return None
