# cdk-guardrails policy config-recorder-on over a Terraform plan (Rego v1).
#
# AWS Config keeps recording. Rules:
#   GR-CFG1 (deny)  an aws_config_configuration_recorder whose recording_group records no
#                   type (all_supported false, no resource_types, no exclusion strategy),
#                   or an aws_config_configuration_recorder_status with is_enabled = false
#   GR-CFG2 (warn)  either is unknown in the plan
package guardrails.config_recorder_on

import data.guardrails.lib
import rego.v1

policy := "config-recorder-on"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

group := ["recording_group", 0]

finding contains lib.finding("GR-CFG2", "warning", r, lib.unknown_why(["recording_group"]), "recording_group", false) if {
	some r in lib.of_type("aws_config_configuration_recorder")
	lib.unknown_at(r, ["recording_group"])
}

finding contains lib.finding("GR-CFG2", "warning", r, lib.unknown_why(["is_enabled"]), "is_enabled", false) if {
	some r in lib.of_type("aws_config_configuration_recorder_status")
	lib.unknown_at(r, ["is_enabled"])
}

finding contains lib.finding("GR-CFG1", "error", r, "recording_group records no resource type", "recording_group", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_config_configuration_recorder")
	not lib.unknown_at(r, ["recording_group"])
	lib.value_at(r, group) != null
	not records(r)
}

finding contains lib.finding("GR-CFG1", "error", r, "the recorder is stopped", "is_enabled", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_config_configuration_recorder_status")
	not lib.unknown_at(r, ["is_enabled"])
	lib.value_at(r, ["is_enabled"]) == false
}

records(r) if lib.value_at(r, array.concat(group, ["all_supported"])) == true

records(r) if count(lib.as_list(lib.value_at(r, array.concat(group, ["resource_types"])))) > 0

records(r) if {
	some strategy in lib.as_list(lib.value_at(r, array.concat(group, ["recording_strategy"])))
	strategy.use_only in {"ALL_SUPPORTED_RESOURCE_TYPES", "EXCLUSION_BY_RESOURCE_TYPES"}
}
