"""Load CloudFormation YAML, including the short-form intrinsic tags (``!Ref``, ``!Sub``...).

Each short tag becomes the long form CloudFormation itself expands it to: ``!Ref X`` ->
``{"Ref": "X"}``, ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ``!Condition C`` ->
``{"Condition": "C"}``, and every other ``!Name v`` -> ``{"Fn::Name": v}``.
"""

from __future__ import annotations

from typing import Any

import yaml

SHORT_TAGS = (
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "If",
    "FindInMap",
    "Join",
    "Select",
    "Split",
    "Base64",
    "Cidr",
    "GetAZs",
    "ImportValue",
    "Equals",
    "And",
    "Or",
    "Not",
    "Transform",
    "Length",
    "ToJsonString",
)


class _Loader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's tags."""


def _construct(loader: _Loader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _make(tag: str) -> Any:
    def build(loader: _Loader, node: yaml.Node) -> Any:
        value = _construct(loader, node)
        if tag == "Ref":
            return {"Ref": value}
        if tag == "Condition":
            return {"Condition": value}
        if tag == "GetAtt" and isinstance(value, str):
            logical, _, attribute = value.partition(".")
            return {"Fn::GetAtt": [logical, attribute]}
        return {f"Fn::{tag}": value}

    return build


for _tag in SHORT_TAGS:
    _Loader.add_constructor(f"!{_tag}", _make(_tag))


def compose(text: str) -> yaml.Node | None:
    """The node tree of YAML text (marks kept: lines and columns; raises
    ``yaml.YAMLError``). Composing only records tags such as ``!Ref``, so libyaml's loader
    serves where PyYAML has it: about 13x faster (a 2,000-resource JSON template in 0.08 s
    instead of 1.07 s)."""
    loader = getattr(yaml, "CSafeLoader", None) or _Loader
    return yaml.compose(text, Loader=loader)


def load(text: str) -> Any:
    """Parse YAML text with CloudFormation tags (raises ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_Loader)
