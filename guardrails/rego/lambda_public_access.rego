# cdk-guardrails policy lambda-public-access over a Terraform plan (Rego v1).
#
# No Lambda function is invocable by anyone. Rules:
#   GR-LMB1 (deny)  an aws_lambda_permission with principal "*" and none of source_arn,
#                   source_account, principal_org_id, event_source_token (a permission that
#                   only opens a function URL, or invokes only through it, is judged by
#                   the URL's auth type)
#   GR-LMB2 (deny)  an aws_lambda_function_url with authorization_type "NONE"
#   GR-LMB3 (warn)  the principal or the auth type is unknown in the plan
package guardrails.lambda_public_access

import data.guardrails.lib
import rego.v1

policy := "lambda-public-access"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

restricting := ["source_arn", "source_account", "principal_org_id", "event_source_token"]

finding contains lib.finding("GR-LMB3", "warning", r, lib.unknown_why([attribute]), attribute, false) if {
	some [kind, attribute] in [["aws_lambda_permission", "principal"], ["aws_lambda_function_url", "authorization_type"]]
	some r in lib.of_type(kind)
	lib.unknown_at(r, [attribute])
}

finding contains lib.finding("GR-LMB1", "error", r, "principal lets any AWS principal invoke the function (principal '*' without a source or organization condition)", "principal", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_lambda_permission")
	not lib.unknown_at(r, ["principal"])
	lib.value_at(r, ["principal"]) == "*"
	lower(lib.text(lib.value_at(r, ["action"]))) != "lambda:invokefunctionurl"
	not lib.value_at(r, ["invoked_via_function_url"]) == true
	not restricted(r)
}

restricted(r) if {
	some attribute in restricting
	v := lib.value_at(r, [attribute])
	v != null
	v != ""
}

restricted(r) if {
	some attribute in restricting
	lib.unknown_at(r, [attribute])
}

finding contains lib.finding("GR-LMB2", "error", r, "authorization_type is NONE: anyone on the internet can call the function URL", "authorization_type", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_lambda_function_url")
	not lib.unknown_at(r, ["authorization_type"])
	upper(lib.text(lib.value_at(r, ["authorization_type"]))) == "NONE"
}
