# cdk-guardrails policy s3-encryption over a Terraform plan (Rego v1).
#
# A bucket's default encryption must be AES256 (SSE-S3), aws:kms or aws:kms:dsse; with
# data.guardrails.params.require_kms only the KMS ones, and a bucket without any
# encryption configuration fails (AWS applies SSE-S3 to it). Rules:
#   GR-S3E1 (deny)  missing (with require_kms), invalid or too weak
#   GR-S3E2 (warn)  the algorithm is unknown in the plan
package guardrails.s3_encryption

import data.guardrails.lib
import rego.v1

policy := "s3-encryption"

fix := "Fix: set sse_algorithm to aws:kms (with a key and bucket key) or, where KMS is not required, AES256."

algorithms := {"AES256", "aws:kms", "aws:kms:dsse"}

kms := {"aws:kms", "aws:kms:dsse"}

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

# Buckets whose encryption is set by a separate resource.
configured_buckets contains lib.link(r, "bucket", "aws_s3_bucket").address if {
	some r in lib.of_type("aws_s3_bucket_server_side_encryption_configuration")
}

# Where each declaration of encryption sits: {r, exempt, path (of the rule list)}
declaration contains {"r": r, "exempt": lib.exempt_flag(r), "path": ["server_side_encryption_configuration", 0, "rule"], "whole": ["server_side_encryption_configuration"]} if {
	some r in lib.of_type("aws_s3_bucket")
	declared(r, "server_side_encryption_configuration")
}

declaration contains {"r": r, "exempt": linked_exempt(r), "path": ["rule"], "whole": ["rule"]} if {
	some r in lib.of_type("aws_s3_bucket_server_side_encryption_configuration")
}

linked_exempt(r) := true if lib.linked_exempt(r, "bucket", "aws_s3_bucket")

else := false

# A legacy inline attribute counts where the configuration sets it or its value is known.
declared(r, attribute) if {
	lib.unknown_at(r, [attribute])
	lib.configured(r, attribute)
}

declared(r, attribute) if {
	not lib.unknown_at(r, [attribute])
	v := lib.value_at(r, [attribute])
	v != null
	v != []
	v != ""
}

# --- judging ------------------------------------------------------------------------------

finding contains lib.finding("GR-S3E2", "warning", d.r, lib.unknown_why(d.whole), lib.location(d.whole), false) if {
	some d in declaration
	lib.unknown_at(d.r, d.whole)
}

finding contains lib.finding("GR-S3E2", "warning", d.r, lib.unknown_why(p), lib.location(p), false) if {
	some d in declaration
	not lib.unknown_at(d.r, d.whole)
	some p in algorithm_paths(d)
	lib.unknown_at(d.r, p)
}

finding contains lib.finding("GR-S3E1", "error", d.r, why, lib.location(where), d.exempt) if {
	some d in declaration
	not lib.unknown_at(d.r, d.whole)
	paths := algorithm_paths(d)
	known := [algorithm(d.r, p) | some p in paths; not lib.unknown_at(d.r, p)]
	# judge what is known; an empty rule list is itself a failure
	any_judgeable(known, paths)
	why := failure(known)
	where := location_of(paths, d)
}

any_judgeable(known, _) if count(known) > 0

any_judgeable(known, paths) if count(known) == count(paths)

location_of(paths, _) := paths[0] if count(paths) > 0

else := ["server_side_encryption_configuration"]

algorithm_paths(d) := [array.concat(d.path, [i, "apply_server_side_encryption_by_default", 0, "sse_algorithm"]) |
	some i in lib.indexes(d.r, d.path)
]

algorithm(r, p) := lib.text(lib.value_at(r, p)) if lib.value_at(r, p) != null

else := "(none)"

failure(known) := "the encryption configuration has no rule" if count(known) == 0

else := concat("", ["SSEAlgorithm ", bad, " is not one of AES256, aws:kms, aws:kms:dsse; ", fix]) if {
	bad := [a | some a in known; not a in algorithms][0]
} else := concat("", ["SSEAlgorithm ", weak, " is SSE-S3 but SSE-KMS is required; ", fix]) if {
	lib.params.require_kms == true
	weak := [a | some a in known; not a in kms][0]
}

# A bucket with no encryption declared anywhere: AWS applies SSE-S3, which fails only
# when KMS is required.
finding contains lib.finding("GR-S3E1", "error", r, concat("", ["no default encryption is declared (AWS applies SSE-S3) but SSE-KMS is required; ", fix]), "server_side_encryption_configuration", lib.exempt_flag(r)) if {
	lib.params.require_kms == true
	some r in lib.of_type("aws_s3_bucket")
	not declared(r, "server_side_encryption_configuration")
	not r.address in configured_buckets
}
