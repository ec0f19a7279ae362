# cdk-guardrails policy imdsv2-required over a Terraform plan (Rego v1).
#
# Instances, launch templates and launch configurations require IMDSv2. Rules:
#   GR-IMDS1 (deny)  metadata_options[0].http_tokens is not "required", or absent
#   GR-IMDS2 (warn)  it is unknown in the plan, or an instance takes it from a launch
#                    template outside the plan
# A disabled metadata endpoint (http_endpoint = "disabled") is compliant; an instance whose
# launch template is in the plan is judged through that template.
package guardrails.imdsv2_required

import data.guardrails.lib
import rego.v1

policy := "imdsv2-required"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

tokens_path := ["metadata_options", 0, "http_tokens"]

where := "metadata_options[0].http_tokens"

judged contains r if {
	some t in ["aws_instance", "aws_launch_template", "aws_launch_configuration"]
	some r in lib.of_type(t)
	lib.value_at(r, ["metadata_options", 0, "http_endpoint"]) != "disabled"
	lib.value_at(r, tokens_path) != "required"
}

# Declared but known only after apply.
finding contains lib.finding("GR-IMDS2", "warning", r, lib.unknown_why(tokens_path), where, false) if {
	some r in judged
	lib.configured(r, "metadata_options")
	lib.unknown_at(r, tokens_path)
}

# From a launch template outside the plan (a literal id or name).
finding contains lib.finding("GR-IMDS2", "warning", r, concat("", ["metadata options come from launch template ", template_name(r), ", outside the file"]), where, false) if {
	some r in judged
	absent(r)
	lib.configured(r, "launch_template")
	not lib.unknown_at(r, ["launch_template", 0, "id"])
	template_name(r) != ""
}

finding contains lib.finding("GR-IMDS1", "error", r, concat("", [where, " is absent: EC2 then allows IMDSv1 unless the AMI or the account default requires tokens"]), where, lib.exempt_flag(r)) if {
	some r in judged
	absent(r)
	not lib.configured(r, "launch_template")
}

finding contains lib.finding("GR-IMDS1", "error", r, sprintf("%s is '%s', not 'required'", [where, lib.value_at(r, tokens_path)]), where, lib.exempt_flag(r)) if {
	some r in judged
	not lib.unknown_at(r, tokens_path)
	lib.value_at(r, tokens_path) != null
}

absent(r) if {
	not lib.configured(r, "metadata_options")
	lib.value_at(r, tokens_path) == null
}

absent(r) if {
	not lib.configured(r, "metadata_options")
	lib.unknown_at(r, tokens_path)
}

template_name(r) := lib.text(v) if {
	v := lib.value_at(r, ["launch_template", 0, "id"])
	v != null
	v != ""
} else := lib.text(lib.value_at(r, ["launch_template", 0, "name"]))
