"""Template and plan readers of the ``ec2_instance`` adapter (static plane only).

Instances, launch templates and launch configurations each declare metadata options
(``HttpTokens``; Terraform ``metadata_options[0].http_tokens``). An instance that declares
none takes them from its launch template: one in the same file is judged itself, one
outside it cannot be seen (``template`` carries its id). Nothing declared at all is kept
as ``None``: EC2 then allows IMDSv1 unless the AMI or the account's IMDS defaults require
v2, which a template cannot show.
"""

from __future__ import annotations

from typing import Any

from guardrails_runtime.adapters.ec2_instance import InstanceMetadata
from guardrails_runtime.adapters.templates import Source, declared_value
from guardrails_runtime.model import ResourceRef, Unresolved

KIND = "ec2-instance"

CLOUDFORMATION_TYPES = (
    "AWS::EC2::Instance",
    "AWS::EC2::LaunchTemplate",
    "AWS::AutoScaling::LaunchConfiguration",
)

TERRAFORM_TYPES = ("aws_instance", "aws_launch_template", "aws_launch_configuration")

OWNERS: dict[str, tuple[str, ...]] = {}


def _tokens(value: Any, where: str) -> str | Unresolved | None:
    if isinstance(value, ResourceRef):
        return Unresolved(where, f"comes from {value.describe()}, known only after deployment")
    if value is None or isinstance(value, Unresolved):
        return value
    return str(value).strip().lower()


def _template(value: Any) -> str | None:
    """``"file"`` for a template of the same file, else its literal id or name."""
    if value is None:
        return None
    if isinstance(value, ResourceRef | Unresolved):
        return "file"
    return str(value)


def from_cloudformation(source: Source) -> InstanceMetadata:
    options: tuple[str, ...] = ("MetadataOptions",)
    if source.resource_type == "AWS::EC2::LaunchTemplate":
        options = ("LaunchTemplateData", "MetadataOptions")
    where = ".".join((*options, "HttpTokens"))
    endpoint = source.get(*options, "HttpEndpoint")
    template = None
    if source.resource_type == "AWS::EC2::Instance":
        # CDK names its template literally and points the version at it (GetAtt): a
        # reference in any of the three means a template of the same file.
        parts = [
            source.get("LaunchTemplate", key)
            for key in ("LaunchTemplateId", "LaunchTemplateName", "Version")
        ]
        linked = next((p for p in parts if isinstance(p, ResourceRef | Unresolved)), None)
        template = _template(linked or parts[0] or parts[1])
    return InstanceMetadata(
        _tokens(source.get(*options, "HttpTokens"), where),
        where,
        endpoint if isinstance(endpoint, str) else None,
        template,
    )


def from_terraform(source: Source) -> InstanceMetadata:
    where = "metadata_options[0].http_tokens"
    tokens = source.get("metadata_options", 0, "http_tokens")
    if isinstance(tokens, Unresolved) and not source.declared("metadata_options"):
        tokens = None  # computed by the provider: not declared
    endpoint = source.get("metadata_options", 0, "http_endpoint")
    template = None
    if source.resource_type == "aws_instance":
        block = declared_value(source, "launch_template")
        if block:
            template = _template(
                source.get("launch_template", 0, "id") or source.get("launch_template", 0, "name")
            )
    return InstanceMetadata(
        _tokens(tokens, where), where, endpoint if isinstance(endpoint, str) else None, template
    )
