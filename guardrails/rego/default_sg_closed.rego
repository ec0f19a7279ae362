# cdk-guardrails policy default-sg-closed over a Terraform plan (Rego v1).
#
# A VPC's default security group holds no rule. Rules:
#   GR-DSG1 (deny)  an aws_default_security_group with ingress or egress blocks
#   GR-DSG2 (warn)  its blocks are declared but unknown in the plan
# Blocks the provider computes (not in the configuration) do not count: a default group
# declared without blocks is how Terraform empties it.
package guardrails.default_sg_closed

import data.guardrails.lib
import rego.v1

policy := "default-sg-closed"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

directions := ["ingress", "egress"]

finding contains lib.finding("GR-DSG2", "warning", r, lib.unknown_why([direction]), direction, false) if {
	some r in lib.of_type("aws_default_security_group")
	some direction in directions
	lib.configured(r, direction)
	lib.unknown_at(r, [direction])
}

finding contains lib.finding("GR-DSG1", "error", r, sprintf("%d rule(s) on a VPC's default security group; anything launched without a group gets them", [n]), "ingress", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_default_security_group")
	not unknown(r)
	n := count([b | some direction in directions; some b in known_blocks(r, direction)])
	n > 0
}

unknown(r) if {
	some direction in directions
	lib.configured(r, direction)
	lib.unknown_at(r, [direction])
}

known_blocks(r, direction) := lib.as_list(lib.value_at(r, [direction])) if not lib.unknown_at(r, [direction])

else := []
