# cdk-guardrails policy s3-ssl-only over a Terraform plan (Rego v1).
#
# Every bucket's policy denies requests without TLS. Rules:
#   GR-S3T1 (deny)  an aws_s3_bucket whose policy (its aws_s3_bucket_policy, or a legacy
#                   inline policy) has no Deny of s3:* to * with aws:SecureTransport false
#   GR-S3T2 (warn)  no such statement is known, and the policy is unknown in the plan
package guardrails.s3_ssl_only

import data.guardrails.lib
import rego.v1

policy := "s3-ssl-only"

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

# The policies that configure a bucket: linked aws_s3_bucket_policy, or its inline policy.
policies_of(b) := [p |
	some p in lib.of_type("aws_s3_bucket_policy")
	lib.link(p, "bucket", "aws_s3_bucket") == b
]

texts(b) := array.concat([lib.value_at(p, ["policy"]) | some p in policies_of(b); not lib.unknown_at(p, ["policy"])], inline(b))

inline(b) := [lib.value_at(b, ["policy"])] if {
	lib.configured(b, "policy")
	not lib.unknown_at(b, ["policy"])
} else := []

unknown(b) if {
	some p in policies_of(b)
	lib.unknown_at(p, ["policy"])
}

unknown(b) if {
	lib.configured(b, "policy")
	lib.unknown_at(b, ["policy"])
}

# A policy text that is not JSON cannot be read (GR-S3P4 names it for s3-public-access).
unknown(b) if {
	some p in policies_of(b)
	not lib.unknown_at(p, ["policy"])
	text := lib.value_at(p, ["policy"])
	is_string(text)
	not json.is_valid(text)
}

denies_http(b) if {
	some text in texts(b)
	some statement in lib.statements_of(text)
	is_object(statement)
	tls_deny(statement)
}

tls_deny(s) if {
	lower(lib.text(object.get(s, "Effect", ""))) == "deny"
	everyone(object.get(s, "Principal", null))
	some action in lib.as_list(object.get(s, "Action", []))
	lower(lib.text(action)) in {"s3:*", "*"}
	some operator in ["Bool", "BoolIfExists"]
	pairs := object.get(object.get(s, "Condition", {}), operator, {})
	some key, value in pairs
	lower(key) == "aws:securetransport"
	lower(lib.text(value)) == "false"
}

everyone("*")

everyone(p) if {
	is_object(p)
	p.AWS == "*"
}

finding contains lib.finding("GR-S3T2", "warning", b, "the bucket's policy is known only after apply (unknown in the plan)", "policy", false) if {
	some b in lib.of_type("aws_s3_bucket")
	not denies_http(b)
	unknown(b)
}

finding contains lib.finding("GR-S3T1", "error", b, "nothing in the bucket's policy denies requests with aws:SecureTransport false", "policy", lib.exempt_flag(b)) if {
	some b in lib.of_type("aws_s3_bucket")
	not denies_http(b)
	not unknown(b)
}
