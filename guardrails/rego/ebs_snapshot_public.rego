# cdk-guardrails policy ebs-snapshot-public over a Terraform plan (Rego v1).
#
# No EBS snapshot is restorable by every AWS account. Rules:
#   GR-EBSP1 (deny)  an aws_snapshot_create_volume_permission with account_id "all"
#   GR-EBSP2 (warn)  its account_id is unknown in the plan (it could be "all")
# A permission is exempt when the aws_ebs_snapshot its snapshot_id names carries the tag.
package guardrails.ebs_snapshot_public

import data.guardrails.lib
import rego.v1

policy := "ebs-snapshot-public"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

permissions := lib.of_type("aws_snapshot_create_volume_permission")

exempt(r) := true if lib.linked_exempt(r, "snapshot_id", "aws_ebs_snapshot")

else := false

finding contains lib.finding("GR-EBSP2", "warning", r, lib.unknown_why(["account_id"]), "account_id", false) if {
	some r in permissions
	lib.unknown_at(r, ["account_id"])
}

finding contains lib.finding("GR-EBSP1", "error", r, "account_id grants the group 'all': every AWS account can restore it", "account_id", exempt(r)) if {
	some r in permissions
	not lib.unknown_at(r, ["account_id"])
	lower(trim_space(lib.text(lib.value_at(r, ["account_id"])))) == "all"
}
