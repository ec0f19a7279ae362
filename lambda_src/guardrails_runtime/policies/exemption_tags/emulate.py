"""Emulator hook of ``exemption-tags`` (``guardrails replay --emulate``; never in Lambda).

The resource a tagging call names, tagged as the call left it: ``CreateTags`` on a
security group (created in the default VPC), ``PutBucketTagging`` on a bucket. Trails and
DB instances are not emulated (their hooks' policies build those).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails_runtime.aws import Clients
from guardrails_runtime.emulate import create_bucket, default_vpc, read_or_none, tag_list
from guardrails_runtime.events import ApiCall, ComplianceChange
from guardrails_runtime.policies.exemption_tags.policy import judged_resources, tag_change


def prepare(
    parsed: ApiCall | ComplianceChange, clients: Clients, region: str, tags: Mapping[str, str]
) -> dict[str, str]:
    if isinstance(parsed, ComplianceChange) or parsed.error_code:
        return {}
    change = tag_change(parsed)
    set_tags = {k: v for k, v in change.tags if v is not None}
    renames: dict[str, str] = {}
    if change.service == "ec2":
        ec2 = clients.get("ec2", region)
        for resource in judged_resources(change):
            gid = str(
                ec2.create_security_group(
                    GroupName=f"emulated-{resource}",
                    Description="created by guardrails replay --emulate",
                    VpcId=default_vpc(ec2),
                )["GroupId"]
            )
            if not change.removed and set_tags:
                ec2.create_tags(Resources=[gid], Tags=tag_list(set_tags))
            renames[resource] = gid
    elif change.service == "s3":
        s3 = clients.get("s3", region)
        bucket = change.resources[0]
        create_bucket(s3, bucket, region)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(set_tags)})
    return renames


def after(resource: str | None, region: str, clients: Clients) -> Any:
    if not resource:
        return None
    if resource.startswith("sg-"):
        ec2 = clients.get("ec2", region)
        group = ec2.describe_security_groups(GroupIds=[resource])["SecurityGroups"][0]
        return {"GroupId": resource, "Tags": group.get("Tags", [])}
    s3 = clients.get("s3", region)
    tag_set = read_or_none(s3, "get_bucket_tagging", "TagSet", Bucket=resource)
    return {"Bucket": resource, "TagSet": tag_set or []}
