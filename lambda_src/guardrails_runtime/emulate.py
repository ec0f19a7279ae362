"""What the policies' emulator hooks share (``guardrails replay --emulate``; never in Lambda).

Each policy folder may hold an ``emulate.py`` with ``prepare(parsed, clients, region, tags)``
(create, in moto's in-memory AWS, the state a recorded call or Config evaluation implies;
return renames of recorded ids to emulated ones) and ``after(resource, region, clients)``
(the resource's state after the handler ran, in the AWS API shape). This module holds the
pieces several hooks need. The Lambda asset leaves every ``emulate.py`` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.events import ApiCall

MOTO_ACCOUNT = "123456789012"  # moto's S3 Control accepts only its own account id


class EmulationError(RuntimeError):
    """The emulator could not build the state an event implies."""


def create_bucket(s3: Any, name: str, region: str) -> None:
    spec: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        spec["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**spec)


def recorded_bucket(s3: Any, call: ApiCall, region: str) -> str | None:
    """Create the bucket a recorded S3 call names; its name when the call succeeded."""
    name = call.request.get("bucketName")
    if not isinstance(name, str) or not name:
        return None
    create_bucket(s3, name, region)
    return None if call.error_code else name


def recorded_flags(call: ApiCall) -> dict[str, bool]:
    """The Block Public Access flags a recorded Put*PublicAccessBlock call set (a flag the
    configuration leaves out is off, as in the API); EmulationError when the record holds
    no configuration at all (redacted or truncated): the emulator does not invent one."""
    from guardrails_runtime.adapters.s3_bucket import FLAGS

    recorded = call.request.get("PublicAccessBlockConfiguration")
    if not isinstance(recorded, Mapping):
        raise EmulationError(
            "the record holds no PublicAccessBlockConfiguration, so which flags the call set "
            "is unknown"
        )
    return {flag: str(recorded.get(flag, "false")).lower() == "true" for flag in FLAGS}


def default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise EmulationError("the emulator has no default VPC")
    return str(vpcs[0]["VpcId"])


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def read_or_none(client: Any, operation: str, key: str, **params: Any) -> Any:
    """``client.<operation>(**params)[key]``, or None when AWS answers with an error (no such
    configuration: what the hooks' ``after`` reports as absent)."""
    try:
        return getattr(client, operation)(**params)[key]
    except client.exceptions.ClientError:
        return None
