# cdk-guardrails policy cloudtrail-enabled over a Terraform plan (Rego v1).
#
# Trails keep logging (enable_logging, default true) with log file validation
# (enable_log_file_validation, default false). Rules:
#   GR-CT1 (deny)  a trail that does not log, or does not validate its log files
#   GR-CT2 (warn)  one of those values is unknown in the plan
package guardrails.cloudtrail_enabled

import data.guardrails.lib
import rego.v1

policy := "cloudtrail-enabled"

fix := "Fix: set enable_logging = true and enable_log_file_validation = true."

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

settings := [
	{"attribute": "enable_logging", "default": true, "what": "the trail is not logging"},
	{"attribute": "enable_log_file_validation", "default": false, "what": "log file validation is off"},
]

finding contains lib.finding("GR-CT2", "warning", r, lib.unknown_why([s.attribute]), s.attribute, false) if {
	some r in lib.of_type("aws_cloudtrail")
	some s in settings
	lib.unknown_at(r, [s.attribute])
}

finding contains lib.finding("GR-CT1", "error", r, concat("", [s.what, "; ", fix]), s.attribute, lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_cloudtrail")
	some s in settings
	not lib.unknown_at(r, [s.attribute])
	not on(lib.value_at(r, [s.attribute]), s.default)
}

on(null, true)

on(true, _)

on(v, _) if {
	is_string(v)
	lower(v) == "true"
}
