# cdk-guardrails policy rds-public-access over a Terraform plan (Rego v1).
#
# No RDS DB instance is publicly accessible. The provider defaults publicly_accessible to
# false. Rules:
#   GR-RDS1 (deny)  an aws_db_instance with publicly_accessible = true
#   GR-RDS2 (warn)  publicly_accessible is unknown in the plan (it could be true)
package guardrails.rds_public_access

import data.guardrails.lib
import rego.v1

policy := "rds-public-access"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

finding contains lib.finding("GR-RDS2", "warning", r, lib.unknown_why(["publicly_accessible"]), "publicly_accessible", false) if {
	some r in lib.of_type("aws_db_instance")
	lib.unknown_at(r, ["publicly_accessible"])
}

finding contains lib.finding("GR-RDS1", "error", r, "publicly_accessible is true; set it to false", "publicly_accessible", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_db_instance")
	not lib.unknown_at(r, ["publicly_accessible"])
	true_value(lib.value_at(r, ["publicly_accessible"]))
}

true_value(true)

true_value(v) if {
	is_string(v)
	lower(v) == "true"
}
