# cdk-guardrails policy redshift-public-access over a Terraform plan (Rego v1).
#
# No Redshift cluster is publicly accessible. Provider v5 defaults publicly_accessible to
# true (the plan shows it). Rules:
#   GR-RS1 (deny)  an aws_redshift_cluster with publicly_accessible = true
#   GR-RS2 (warn)  publicly_accessible is unknown in the plan (it could be true)
package guardrails.redshift_public_access

import data.guardrails.lib
import rego.v1

policy := "redshift-public-access"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

finding contains lib.finding("GR-RS2", "warning", r, lib.unknown_why(["publicly_accessible"]), "publicly_accessible", false) if {
	some r in lib.of_type("aws_redshift_cluster")
	lib.unknown_at(r, ["publicly_accessible"])
}

finding contains lib.finding("GR-RS1", "error", r, "publicly_accessible is true; set it to false", "publicly_accessible", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_redshift_cluster")
	not lib.unknown_at(r, ["publicly_accessible"])
	true_value(lib.value_at(r, ["publicly_accessible"]))
}

true_value(true)

true_value(v) if {
	is_string(v)
	lower(v) == "true"
}
