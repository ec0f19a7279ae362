# cdk-guardrails policy guardduty-enabled over a Terraform plan (Rego v1).
#
# GuardDuty stays enabled. The provider defaults enable to true. Rules:
#   GR-GD1 (deny)  an aws_guardduty_detector with enable = false
#   GR-GD2 (warn)  enable is unknown in the plan (it could be false)
package guardrails.guardduty_enabled

import data.guardrails.lib
import rego.v1

policy := "guardduty-enabled"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

finding contains lib.finding("GR-GD2", "warning", r, lib.unknown_why(["enable"]), "enable", false) if {
	some r in lib.of_type("aws_guardduty_detector")
	lib.unknown_at(r, ["enable"])
}

finding contains lib.finding("GR-GD1", "error", r, "enable is false: the region has no threat detection", "enable", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_guardduty_detector")
	not lib.unknown_at(r, ["enable"])
	false_value(lib.value_at(r, ["enable"]))
}

false_value(false)

false_value(v) if {
	is_string(v)
	lower(v) == "false"
}
