# cdk-guardrails policy sns-topic-public over a Terraform plan (Rego v1).
#
# No SNS topic policy lets any AWS principal use the topic. Rules:
#   GR-SNS1 (deny)  a statement of an aws_sns_topic_policy (or of an aws_sns_topic's own
#                   policy, where the configuration sets it) allows principal * without a
#                   condition naming the caller (lib.public_statement)
#   GR-SNS2 (warn)  the policy is unknown in the plan
# A topic policy is exempt when the topic its arn names carries the tag.
package guardrails.sns_topic_public

import data.guardrails.lib
import rego.v1

policy := "sns-topic-public"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

sources contains r if some r in lib.of_type("aws_sns_topic_policy")

sources contains r if {
	some r in lib.of_type("aws_sns_topic")
	lib.configured(r, "policy")
}

exempt(r) := true if {
	r.type == "aws_sns_topic_policy"
	lib.linked_exempt(r, "arn", "aws_sns_topic")
} else := lib.exempt_flag(r)

finding contains lib.finding("GR-SNS2", "warning", r, lib.unknown_why(["policy"]), "policy", false) if {
	some r in sources
	lib.unknown_at(r, ["policy"])
}

finding contains lib.finding("GR-SNS1", "error", r, "a statement allows principal '*' without a condition that names the caller", concat("", ["policy.Statement[", format_int(i, 10), "]"]), exempt(r)) if {
	some r in sources
	not lib.unknown_at(r, ["policy"])
	statements := lib.statements_of(lib.value_at(r, ["policy"]))
	some i
	statement := statements[i]
	is_object(statement)
	lib.public_statement(statement)
}
