# cdk-guardrails: shared helpers for the Terraform plan policies (Rego v1).
#
# Input: the JSON of `terraform show -json PLAN` (format 0.1 to 1.2).
# Parameters: data.guardrails.params, merged over `default_params` below.
# The Python scanner (`guardrails scan`) implements the same reading; a test requires both
# engines to report the same findings on every fixture plan.
package guardrails.lib

import rego.v1

default_params := {
	"allowed_public_ports": [80, 443],
	"exemption_tag_key": "SecurityExemption",
	"exemption_tag_value": "true",
	"require_kms": false,
	"ebs_encrypted_by_default": false,
}

user_params := data.guardrails.params if is_object(data.guardrails.params)

else := {}

params := object.union(default_params, user_params)

# --- resources: what the plan creates or updates ------------------------------------------

# Managed resources of resource_changes (deletions skipped), in plan order, with the
# values after apply and the after_unknown marks.
resources := [r |
	some rc in input.resource_changes
	object.get(rc, "mode", "managed") == "managed"
	is_object(rc.change.after)
	object.get(rc.change, "actions", []) != ["delete"]
	r := {
		"address": rc.address,
		"type": rc.type,
		"module": object.get(rc, "module_address", ""),
		"index": object.get(rc, "index", null),
		"values": rc.change.after,
		"unknown": object.get(rc.change, "after_unknown", {}),
	}
] if is_array(input.resource_changes)

# Plans without resource_changes: planned_values, root and child modules.
else := [r |
	walk(object.get(input, "planned_values", {}), [_, node])
	is_object(node)
	is_array(node.resources)
	some res in node.resources
	object.get(res, "mode", "managed") == "managed"
	r := {
		"address": res.address,
		"type": res.type,
		"module": object.get(node, "address", ""),
		"index": object.get(res, "index", null),
		"values": object.get(res, "values", {}),
		"unknown": {},
	}
]

of_type(t) := [r | some r in resources; r.type == t]

# --- values: known, unknown (after apply) or absent -----------------------------------------

# True when the value at `path` (or anything above it) is known only after apply.
unknown_at(r, path) if {
	some n in numbers.range(0, count(path))
	object.get(r.unknown, array.slice(path, 0, n), false) == true
}

value_at(r, path) := object.get(r.values, path, null)

# "ingress[0].cidr_blocks" for ["ingress", 0, "cidr_blocks"]
location(path) := trim_prefix(concat("", [part_text(p) | some p in path]), ".")

part_text(p) := concat("", ["[", format_int(p, 10), "]"]) if is_number(p)

else := concat("", [".", p])

unknown_why(path) := concat("", [location(path), " is known only after apply (unknown in the plan)"])

# Indexes of a list value (none for absent or unknown values).
indexes(r, path) := numbers.range(0, count(v) - 1) if {
	v := value_at(r, path)
	is_array(v)
	count(v) > 0
} else := []

# --- configuration and links ----------------------------------------------------------------

strip_index(s) := regex.replace(s, `\[[^\]]*\]`, "")

module_prefix(path) := concat("", [concat("", ["module.", path[i + 1], "."]) |
	some i
	path[i] == "module_calls"
])

configs[address] := res if {
	walk(object.get(object.get(input, "configuration", {}), "root_module", {}), [path, node])
	is_object(node)
	is_array(node.resources)
	some res in node.resources
	address := concat("", [module_prefix(path), res.address])
}

config_of(r) := object.get(configs, strip_index(r.address), {})

# An attribute set in the configuration (counts even when its value is unknown).
configured(r, attribute) if object.get(config_of(r), ["expressions", attribute], null) != null

by_address[r.address] := r if some r in resources

config_keys contains concat("|", [r.type, strip_index(r.address)]) if some r in resources

# The resource that `r` configures through `attribute` (a bucket, a security group):
# by the attribute's value when it is known, else through the configuration references.
link(r, attribute, target_type) := by_value[0] if {
	value := value_at(r, [attribute])
	is_string(value)
	value != ""
	by_value := [t |
		some t in resources
		t.type == target_type
		value in {object.get(t.values, "id", null), object.get(t.values, "bucket", null), object.get(t.values, "arn", null)}
	]
	count(by_value) > 0
} else := by_reference(r, attribute, target_type)

by_reference(r, attribute, target_type) := target if {
	prefix := module_stem(r)
	keys := [key |
		some reference in object.get(config_of(r), ["expressions", attribute, "references"], [])
		parts := split(strip_index(reference), ".")
		count(parts) >= 2
		some end in numbers.range(count(parts), 2)
		key := concat("", [prefix, concat(".", array.slice(parts, 0, end))])
		concat("|", [target_type, key]) in config_keys
	]
	count(keys) > 0
	target := instance(r, keys[0], target_type)
}

module_stem(r) := concat("", [strip_index(r.module), "."]) if r.module != ""

else := ""

# Prefer the instance with the same module instance and index, else the first in plan order.
instance(r, key, target_type) := by_address[same] if {
	same := concat("", [module_instance(r), trim_prefix(key, module_stem(r)), index_suffix(r.index)])
	by_address[same].type == target_type
} else := first if {
	matches := [t | some t in resources; t.type == target_type; strip_index(t.address) == key]
	first := matches[0]
}

module_instance(r) := concat("", [r.module, "."]) if r.module != ""

else := ""

index_suffix(i) := "" if i == null

else := concat("", ["[", format_int(i, 10), "]"]) if is_number(i)

else := concat("", ["[\"", i, "\"]"])

# --- tags and exemption ---------------------------------------------------------------------

exempt(r) if {
	not unknown_at(r, ["tags"])
	tagged(r)
	not exemption_void(all_tags(r))
}

all_tags(r) := object.union(object_or_empty(value_at(r, ["tags_all"])), object_or_empty(value_at(r, ["tags"])))

# <key>Expires (an ISO date) ends the exemption after that day; an unreadable date voids it.
today := params.today if is_string(params.today)

else := sprintf("%04d-%02d-%02d", time.date(time.now_ns()))

exemption_end(tags) := trim_space(text(value)) if {
	some key, value in tags
	value != null
	lower(trim_space(key)) == lower(concat("", [params.exemption_tag_key, "Expires"]))
}

exemption_void(tags) if {
	end := exemption_end(tags)
	end != ""
	not regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`, end)
}

exemption_void(tags) if {
	end := exemption_end(tags)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`, end)
	substring(end, 0, 10) < today
}

text(v) := v if is_string(v)

else := sprintf("%v", [v])

exempt_flag(r) := true if exempt(r)

else := false

object_or_empty(v) := v if is_object(v)

else := {}

# A configuring resource is exempt when the resource it configures is.
linked_exempt(r, attribute, target_type) if exempt(link(r, attribute, target_type))

# --- findings -----------------------------------------------------------------------------

# error -> warning for exempt resources, with the reason in the message
finding(rule, level, r, message, loc, is_exempt) := {
	"rule": rule,
	"level": final_level(level, is_exempt),
	"resource": r.address,
	"message": concat("", [r.address, ": ", exempt_note(level, is_exempt), message, void_note(r), " at ", loc]),
}

# Why an exemption tag on the resource does not count (as the Python planes word it).
void_note(r) := concat("", [" (the exemption expired on ", substring(exemption_end(all_tags(r)), 0, 10), ")"]) if {
	tagged(r)
	end := exemption_end(all_tags(r))
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`, end)
	substring(end, 0, 10) < today
}

else := concat("", [" (the exemption's end date ", exemption_end(all_tags(r)), " is not an ISO date (YYYY-MM-DD), so the exemption does not count)"]) if {
	tagged(r)
	exemption_void(all_tags(r))
}

else := ""

tagged(r) if {
	some key, value in all_tags(r)
	value != null
	lower(trim_space(key)) == lower(params.exemption_tag_key)
	lower(trim_space(text(value))) == lower(params.exemption_tag_value)
}

final_level(level, is_exempt) := "warning" if {
	is_exempt == true
	level == "error"
}

else := level

exempt_note(level, is_exempt) := concat("", ["exempted by tag ", params.exemption_tag_key, "=", params.exemption_tag_value, ": "]) if {
	is_exempt == true
	level == "error"
}

else := ""

# --- CIDRs ---------------------------------------------------------------------------------

ipv4_cidr(s) if {
	m := regex.find_all_string_submatch_n(`^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(/(\d{1,2}))?$`, s, 1)[0]
	every octet in array.slice(m, 1, 5) {
		to_number(octet) <= 255
	}
	prefix_ok(m[6], 32)
}

ipv6_cidr(s) if {
	m := regex.find_all_string_submatch_n(`^([0-9A-Fa-f:]+)(/(\d{1,3}))?$`, s, 1)[0]
	groups := split(m[1], ":")
	count(groups) <= 8
	count(split(m[1], "::")) <= 2
	every g in groups {
		count(g) <= 4
	}
	contains(m[1], ":")
	prefix_ok(m[3], 128)
}

prefix_ok(p, _) if p == ""

prefix_ok(p, limit) if {
	p != ""
	to_number(p) <= limit
}

valid_cidr(s) if ipv4_cidr(trim_space(s))

valid_cidr(s) if ipv6_cidr(trim_space(s))

world_open(s) if {
	valid_cidr(s)
	parts := split(trim_space(s), "/")
	count(parts) == 2
	to_number(parts[1]) == 0
}

# --- CIDR blocks as bit strings (for coverage) ------------------------------------------

# 4 or 6 for a valid CIDR.
cidr_family(s) := 4 if ipv4_cidr(trim_space(s))

else := 6

family_width(4) := 32

family_width(6) := 128

# The network's prefix as a string of bits: "128.0.0.0/2" -> "10", "8000::/1" -> "1".
cidr_bits(s) := substring(address_bits(parts[0]), 0, prefix) if {
	parts := split(lower(trim_space(s)), "/")
	prefix := cidr_prefix(parts, 0)
}

cidr_prefix(parts, _) := to_number(parts[1]) if count(parts) == 2

else := width if width := family_width(cidr_family(parts[0]))

# (rego-cpp: a comprehension's head must be a variable bound in its body, not a call.)
address_bits(a) := concat("", [b | some o in split(a, "."); b := octet_bits(to_number(o))]) if {
	contains(a, ".")
} else := concat("", [b | some h in hextets(a); b := hextet_bits(h)])

octet_bits(n) := concat("", [b | some m in [128, 64, 32, 16, 8, 4, 2, 1]; b := bit_text(n, m)])

bit_text(n, m) := "1" if bits.and(n, m) != 0

else := "0"

hextets(a) := array.concat(array.concat(side(parts[0]), filler), side(parts[1])) if {
	parts := split(a, "::")
	count(parts) == 2
	filler := repeat_list("0", (8 - count(side(parts[0]))) - count(side(parts[1])))
} else := split(a, ":")

side(t) := [] if t == ""

else := split(t, ":")

hextet_bits(h) := concat("", [b | some c in split(concat("", [zeros(4 - count(h)), h]), ""); b := hex_bits[c]])

hex_bits := {
	"0": "0000", "1": "0001", "2": "0010", "3": "0011", "4": "0100", "5": "0101", "6": "0110",
	"7": "0111", "8": "1000", "9": "1001", "a": "1010", "b": "1011", "c": "1100", "d": "1101",
	"e": "1110", "f": "1111",
}

repeat_list(x, k) := [y | some i in numbers.range(1, k); y := x] if k > 0

else := []

zeros(k) := concat("", repeat_list("0", k))

# Blocks (bit strings) that together are the whole space of width n: the first address is
# covered, and the address after every block is the end of the space or covered too.
whole_space(blocks, n) if {
	some b in blocks
	startswith(zeros(n), b)
	every b in blocks {
		next_covered(b, n, blocks)
	}
}

next_covered(b, _, _) if not contains(b, "0")

next_covered(b, n, blocks) if {
	contains(b, "0")
	i := max(indexof_n(b, "0"))
	next := concat("", [substring(b, 0, i), "1", zeros((count(b) - i) - 1), zeros(n - count(b))])
	some other in blocks
	startswith(next, other)
}

# --- policy documents (bucket, function, topic policies) ------------------------------

# An Allow to principal * (or with NotPrincipal) without a condition naming the caller.
restricting_keys := {
	"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc",
	"aws:sourcevpce", "aws:sourceip", "aws:principalorgid", "aws:principalorgpaths",
	"aws:principalaccount", "aws:principalarn", "aws:userid", "aws:username",
	"s3:dataaccesspointaccount", "s3:dataaccesspointarn", "lambda:eventsourcetoken",
}

statements_of(text) := list if {
	is_string(text)
	json.is_valid(text)
	document := json.unmarshal(text)
	list := as_list(object.get(document, "Statement", []))
} else := as_list(object.get(text, "Statement", [])) if is_object(text)

else := []

as_list(v) := v if is_array(v)

else := [] if v == null

else := [v]

public_statement(statement) if {
	lower(text(object.get(statement, "Effect", ""))) == "allow"
	"NotPrincipal" in object.keys(statement)
}

public_statement(statement) if {
	lower(text(object.get(statement, "Effect", ""))) == "allow"
	star(object.get(statement, "Principal", null))
	not restricts(object.get(statement, "Condition", null))
}

star(principal) if {
	walk(principal, [_, v])
	v == "*"
}

restricts(condition) if {
	is_object(condition)
	some operator in object.keys(condition)
	pairs := condition[operator]
	is_object(pairs)
	not startswith(lower(operator), "null")
	some key in object.keys(pairs)
	name := lower(key)
	name in restricting_keys
	not world_ip(name, pairs[key])
}

world_ip("aws:sourceip", value) if {
	some v in as_list(value)
	is_string(v)
	world_open(v)
}
