# cdk-guardrails policy s3-public-access over a Terraform plan (Rego v1).
#
# Buckets stay private. Rules:
#   GR-S3P1 (deny)  aws_s3_bucket_public_access_block flags false (or left out: false), one
#                   finding per resource naming each such flag
#   GR-S3P2 (deny)  a public canned ACL, or a grant to AllUsers / AuthenticatedUsers
#   GR-S3P3 (deny)  a bucket policy Allow (or NotPrincipal) to principal * without a
#                   condition that restricts who may use it
#   GR-S3P4 (warn)  a flag, ACL, grantee or policy is unknown in the plan, or not JSON
package guardrails.s3_public_access

import data.guardrails.lib
import rego.v1

policy := "s3-public-access"

public_acls := {"public-read", "public-read-write", "authenticated-read"}

public_grantees := {
	"http://acs.amazonaws.com/groups/global/AllUsers",
	"http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


flags := ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"]

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

bucket_exempt(r) := lib.exempt_flag(r) if r.type == "aws_s3_bucket"

else := true if lib.linked_exempt(r, "bucket", "aws_s3_bucket")

else := false

# --- GR-S3P1: Block Public Access flags (Terraform defaults each to false) ---------------

finding contains lib.finding("GR-S3P4", "warning", r, lib.unknown_why([flag]), flag, false) if {
	some r in lib.of_type("aws_s3_bucket_public_access_block")
	some flag in flags
	lib.unknown_at(r, [flag])
}

# One finding per resource names every flag that is off (not one finding per flag).
finding contains lib.finding("GR-S3P1", "error", r, message, location, bucket_exempt(r)) if {
	some r in lib.of_type("aws_s3_bucket_public_access_block")
	off := [flag | some flag in flags; not lib.unknown_at(r, [flag]); not flag_on(lib.value_at(r, [flag]))]
	count(off) > 0
	message := concat("", [concat(", ", off), " not true; set all four flags to true"])
	location := flags_location(off)
}

flags_location(off) := off[0] if count(off) == 1

else := "public access block"

flag_on(true)

flag_on(v) if {
	is_string(v)
	lower(v) == "true"
}

# --- GR-S3P2: ACLs and grants ----------------------------------------------------------

acl_sources contains r if {
	some r in lib.of_type("aws_s3_bucket")
	declared(r, "acl")
}

acl_sources contains r if some r in lib.of_type("aws_s3_bucket_acl")

finding contains lib.finding("GR-S3P4", "warning", r, lib.unknown_why(["acl"]), "acl", false) if {
	some r in acl_sources
	lib.unknown_at(r, ["acl"])
}

finding contains lib.finding("GR-S3P2", "error", r, concat("", ["canned ACL ", acl, " makes the bucket public; use private and grant access with IAM"]), "acl", bucket_exempt(r)) if {
	some r in acl_sources
	not lib.unknown_at(r, ["acl"])
	acl := lib.value_at(r, ["acl"])
	is_string(acl)
	lower(trim_space(acl)) in public_acls
}

# Where grantee URIs sit. Rego has no recursion, so each nesting level is spelled out; an
# unknown list ends its path there (one warning for the whole list).
grant_leaves contains {"r": r, "path": ["grant"]} if {
	some r in lib.of_type("aws_s3_bucket")
	declared(r, "grant")
	lib.unknown_at(r, ["grant"])
}

grant_leaves contains {"r": r, "path": ["grant", i, "uri"]} if {
	some r in lib.of_type("aws_s3_bucket")
	declared(r, "grant")
	some i in lib.indexes(r, ["grant"])
}

acp := "access_control_policy"

grant_leaves contains {"r": r, "path": [acp]} if {
	some r in lib.of_type("aws_s3_bucket_acl")
	lib.unknown_at(r, [acp])
}

grant_leaves contains {"r": r, "path": [acp, i, "grant"]} if {
	some r in lib.of_type("aws_s3_bucket_acl")
	some i in lib.indexes(r, [acp])
	lib.unknown_at(r, [acp, i, "grant"])
}

grant_leaves contains {"r": r, "path": [acp, i, "grant", j, "grantee"]} if {
	some r in lib.of_type("aws_s3_bucket_acl")
	some i in lib.indexes(r, [acp])
	some j in lib.indexes(r, [acp, i, "grant"])
	lib.unknown_at(r, [acp, i, "grant", j, "grantee"])
}

grant_leaves contains {"r": r, "path": [acp, i, "grant", j, "grantee", k, "uri"]} if {
	some r in lib.of_type("aws_s3_bucket_acl")
	some i in lib.indexes(r, [acp])
	some j in lib.indexes(r, [acp, i, "grant"])
	some k in lib.indexes(r, [acp, i, "grant", j, "grantee"])
}

finding contains lib.finding("GR-S3P4", "warning", g.r, lib.unknown_why(g.path), lib.location(g.path), false) if {
	some g in grant_leaves
	lib.unknown_at(g.r, g.path)
	not canned(g.r)
}

# The provider refuses acl beside access_control_policy: with a canned ACL set, unknown
# grants are computed from it.
canned(r) if {
	not lib.unknown_at(r, ["acl"])
	acl := lib.value_at(r, ["acl"])
	is_string(acl)
	acl != ""
}

finding contains lib.finding("GR-S3P2", "error", g.r, concat("", ["ACL grant to ", group]), lib.location(g.path), bucket_exempt(g.r)) if {
	some g in grant_leaves
	not lib.unknown_at(g.r, g.path)
	uri := lib.value_at(g.r, g.path)
	uri in public_grantees
	parts := split(uri, "/")
	group := parts[count(parts) - 1]
}

# --- GR-S3P3: bucket policies -----------------------------------------------------------

policy_sources contains r if {
	some r in lib.of_type("aws_s3_bucket")
	declared(r, "policy")
}

policy_sources contains r if some r in lib.of_type("aws_s3_bucket_policy")

finding contains lib.finding("GR-S3P4", "warning", r, lib.unknown_why(["policy"]), "policy", false) if {
	some r in policy_sources
	lib.unknown_at(r, ["policy"])
}

finding contains lib.finding("GR-S3P4", "warning", r, "policy is not JSON", "policy", false) if {
	some r in policy_sources
	not lib.unknown_at(r, ["policy"])
	text := lib.value_at(r, ["policy"])
	is_string(text)
	not json.is_valid(text)
}

finding contains lib.finding("GR-S3P3", "error", r, message, concat("", ["policy.Statement[", format_int(i, 10), "]"]), bucket_exempt(r)) if {
	some r in policy_sources
	not lib.unknown_at(r, ["policy"])
	statements := lib.statements_of(lib.value_at(r, ["policy"]))
	some i
	statement := statements[i]
	is_object(statement)
	lib.public_statement(statement)
	message := "a statement allows principal * without a restricting condition; name the principals or add a condition such as aws:PrincipalOrgID or aws:SourceVpce"
}

# --- helpers --------------------------------------------------------------------------

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
