"""Synthetic Terraform plans for benchmarks: N resources in the documented plan format.

Every fifth resource group is a violation, so the scan has findings to report. Linked
resources reference their bucket or group through the ``configuration`` section with the
linking attribute unknown, the usual shape of a real plan.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def make_plan(resources: int) -> dict[str, Any]:
    changes: list[dict[str, Any]] = []
    configs: list[dict[str, Any]] = []

    def add(
        rtype: str,
        name: str,
        after: dict[str, Any],
        unknown: dict[str, Any],
        expressions: dict[str, Any] | None = None,
    ) -> None:
        address = f"{rtype}.{name}"
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": name,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": after,
                    "after_unknown": unknown,
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        configs.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": name,
                "expressions": expressions or {},
            }
        )

    i = 0
    while len(changes) < resources:
        bad = i % 5 == 0
        if i % 2 == 0:
            add(
                "aws_security_group",
                f"sg{i}",
                {
                    "name": f"sg{i}",
                    "tags": {"Team": "bench"},
                    "ingress": [
                        {
                            "protocol": "tcp",
                            "from_port": 22 if bad else 443,
                            "to_port": 22 if bad else 443,
                            "cidr_blocks": ["0.0.0.0/0"],
                            "ipv6_cidr_blocks": [],
                            "prefix_list_ids": [],
                            "security_groups": [],
                            "self": False,
                            "description": "bench",
                        }
                    ],
                },
                {"id": True, "arn": True},
            )
            add(
                "aws_vpc_security_group_ingress_rule",
                f"rule{i}",
                {
                    "ip_protocol": "tcp",
                    "from_port": 5432,
                    "to_port": 5432,
                    "cidr_ipv4": "0.0.0.0/0" if bad else "10.0.0.0/8",
                },
                {"id": True, "security_group_id": True},
                {
                    "security_group_id": {
                        "references": [f"aws_security_group.sg{i}.id", f"aws_security_group.sg{i}"]
                    }
                },
            )
        else:
            add(
                "aws_s3_bucket",
                f"b{i}",
                {"bucket": f"bench-{i}", "tags": {"Team": "bench"}},
                {
                    "id": True,
                    "arn": True,
                    "acl": True,
                    "policy": True,
                    "grant": True,
                    "server_side_encryption_configuration": True,
                },
            )
            ref = {"bucket": {"references": [f"aws_s3_bucket.b{i}.id", f"aws_s3_bucket.b{i}"]}}
            add(
                "aws_s3_bucket_public_access_block",
                f"b{i}",
                {
                    "block_public_acls": True,
                    "ignore_public_acls": True,
                    "block_public_policy": not bad,
                    "restrict_public_buckets": True,
                },
                {"bucket": True, "id": True},
                ref,
            )
            add(
                "aws_s3_bucket_server_side_encryption_configuration",
                f"b{i}",
                {
                    "rule": [
                        {
                            "apply_server_side_encryption_by_default": [
                                {"sse_algorithm": "aws:kms", "kms_master_key_id": None}
                            ]
                        }
                    ],
                },
                {"bucket": True, "id": True},
                ref,
            )
        i += 1
    changes = changes[:resources]
    planned = [
        {
            "address": c["address"],
            "mode": "managed",
            "type": c["type"],
            "name": c["name"],
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "schema_version": 0,
            "values": c["change"]["after"],
            "sensitive_values": {},
        }
        for c in changes
    ]
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": configs[:resources]}},
    }


if __name__ == "__main__":
    json.dump(make_plan(int(sys.argv[1]) if len(sys.argv) > 1 else 10000), sys.stdout)
