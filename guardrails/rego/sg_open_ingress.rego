# cdk-guardrails policy sg-open-ingress over a Terraform plan (Rego v1).
#
# No security-group ingress from the whole internet (any IPv4 or IPv6 network of prefix
# length 0) on a port outside data.guardrails.params.allowed_public_ports (default 80, 443),
# nor from sources of one group that only together cover the whole IPv4 or IPv6 space
# (0.0.0.0/1 beside 128.0.0.0/1). Protocol -1/all and port-less protocols (ICMP...) always
# violate. Rules:
#   GR-SG1 (deny)  world-open ingress on a port that is not allowed
#   GR-SG2 (warn)  a source, protocol or port is unknown in the plan or malformed, where
#                  some value of it would violate
package guardrails.sg_open_ingress

import data.guardrails.lib
import rego.v1

policy := "sg-open-ingress"

fix := "Fix: restrict the source to known CIDRs, a prefix list or a security group, or tag the group with the exemption tag."

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

# --- where ingress comes from -------------------------------------------------------------

# One occurrence per CIDR source: {r, exempt, base (path of the rule), source_path, ports}
# Groups with inline ingress blocks: aws_security_group, and a VPC's default group.
inline_groups contains r if some r in lib.of_type("aws_security_group")

inline_groups contains r if some r in lib.of_type("aws_default_security_group")

occurrence contains o if {
	some r in inline_groups
	not lib.unknown_at(r, ["ingress"])
	some i in lib.indexes(r, ["ingress"])
	some o in sources(r, ["ingress", i], ["protocol", "from_port", "to_port"], lib.exempt_flag(r))
}

occurrence contains o if {
	some r in lib.of_type("aws_security_group_rule")
	not lib.unknown_at(r, ["type"])
	lib.value_at(r, ["type"]) != "egress"
	some o in sources(r, [], ["protocol", "from_port", "to_port"], rule_exempt(r))
}

occurrence contains o if {
	some r in lib.of_type("aws_vpc_security_group_ingress_rule")
	some attribute in ["cidr_ipv4", "cidr_ipv6"]
	source_present(r, [attribute])
	o := {
		"r": r, "exempt": rule_exempt(r), "source_path": [attribute],
		"ports": [["ip_protocol"], ["from_port"], ["to_port"]],
	}
}

rule_exempt(r) := true if lib.linked_exempt(r, "security_group_id", "aws_security_group")

else := false

sources(r, base, port_keys, is_exempt) := {o |
	some attribute in ["cidr_blocks", "ipv6_cidr_blocks"]
	some path in source_paths(r, array.concat(base, [attribute]))
	o := {
		"r": r, "exempt": is_exempt, "source_path": path,
		"ports": [array.concat(base, [k]) | some k in port_keys],
	}
}

# The list itself when it is unknown, else each element.
source_paths(r, list_path) := [list_path] if lib.unknown_at(r, list_path)

else := [array.concat(list_path, [j]) | some j in lib.indexes(r, list_path)]

source_present(r, path) if lib.unknown_at(r, path)

source_present(r, path) if lib.value_at(r, path) != null

# --- judging ------------------------------------------------------------------------------

# An unknown type of aws_security_group_rule, or an unknown whole ingress list.
finding contains lib.finding("GR-SG2", "warning", r, lib.unknown_why([key]), key, false) if {
	some r in lib.of_type("aws_security_group_rule")
	key := "type"
	lib.unknown_at(r, [key])
}

# Unknown and not configured: computed from the plan's rule resources that name the group,
# unless there are none (then it may be a dynamic block, which the configuration omits).
finding contains lib.finding("GR-SG2", "warning", r, lib.unknown_why(["ingress"]), "ingress", false) if {
	some r in lib.of_type("aws_security_group")
	lib.unknown_at(r, ["ingress"])
	not separate_rules(r)
}

finding contains lib.finding("GR-SG2", "warning", r, lib.unknown_why(["ingress"]), "ingress", false) if {
	some r in lib.of_type("aws_security_group")
	lib.unknown_at(r, ["ingress"])
	lib.configured(r, "ingress")
}

separate_rules(group) if {
	some type in ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]
	some rule in lib.of_type(type)
	lib.link(rule, "security_group_id", "aws_security_group").address == group.address
}

# A default group's ingress counts as unknown only where the configuration declares it.
finding contains lib.finding("GR-SG2", "warning", r, lib.unknown_why(["ingress"]), "ingress", false) if {
	some r in lib.of_type("aws_default_security_group")
	lib.unknown_at(r, ["ingress"])
	lib.configured(r, "ingress")
}

# An unknown source, judged as if it were the whole internet: a warning only where that
# would open a disallowed port (or where a port or the protocol is unknown too).
finding contains lib.finding("GR-SG2", "warning", o.r, lib.unknown_why(o.source_path), lib.location(o.source_path), false) if {
	some o in occurrence
	lib.unknown_at(o.r, o.source_path)
	could_violate(o)
}

could_violate(o) if count(problems(o)) > 0

could_violate(o) if {
	count(problems(o)) == 0
	covers_disallowed(protocol_of(o), port(o, 1), port(o, 2))
}

finding contains lib.finding("GR-SG2", "warning", o.r, concat("", [source, " is not a CIDR"]), lib.location(o.source_path), false) if {
	some o in occurrence
	source := known_source(o)
	not lib.valid_cidr(source)
}

finding contains lib.finding("GR-SG2", "warning", o.r, problems(o)[0].why, problems(o)[0].where, false) if {
	some o in occurrence
	source := known_source(o)
	lib.world_open(source)
	count(problems(o)) > 0
}

finding contains lib.finding("GR-SG1", "error", o.r, message, lib.location(o.source_path), o.exempt) if {
	some o in occurrence
	source := known_source(o)
	lib.world_open(source)
	count(problems(o)) == 0
	protocol := protocol_of(o)
	lo := port(o, 1)
	hi := port(o, 2)
	covers_disallowed(protocol, lo, hi)
	message := concat("", [describe(protocol, lo, hi), " from ", source, " is open to the whole internet; ", fix])
}

# --- coverage: sources that only together are the whole internet -----------------------

# A valid CIDR source, not world-open alone, with known ports that let in a disallowed port.
piece contains p if {
	some o in occurrence
	source := known_source(o)
	lib.valid_cidr(source)
	not lib.world_open(source)
	count(problems(o)) == 0
	protocol := normalize(protocol_of(o))
	lo := port(o, 1)
	hi := port(o, 2)
	covers_disallowed(protocol, lo, hi)
	p := {
		"o": o, "group": group_of(o.r), "family": lib.cidr_family(source),
		"bits": lib.cidr_bits(source), "protocol": protocol, "span": piece_span(protocol, lo, hi),
	}
}

# Judged together: a group with the rule resources that name it (linked as the Python
# reader links them), else the rules naming the same literal group id.
group_of(r) := r.address if r.type == "aws_security_group"

else := g.address if g := lib.link(r, "security_group_id", "aws_security_group")

else := concat("", ["id:", v]) if {
	not lib.unknown_at(r, ["security_group_id"])
	v := lib.value_at(r, ["security_group_id"])
	is_string(v)
	v != ""
} else := r.address

piece_span(protocol, lo, hi) := span(lo, hi) if ported(protocol)

else := [0, 0]

# Where to look for a cover: for each piece, the first disallowed port it lets in (a cover
# on any disallowed port is also one on the first disallowed port at or after the largest
# start of its members' ranges). Port-less protocols and "all": one point.
candidate contains {"group": p.group, "family": p.family, "protocol": p.protocol, "port": q} if {
	some p in piece
	q := first_disallowed(p)
}

first_disallowed(p) := 0 if not ported(p.protocol)

else := min({x |
	some x in numbers.range(p.span[0], smaller(p.span[1], p.span[0] + count(lib.params.allowed_public_ports)))
	not x in lib.params.allowed_public_ports
})

applies(p, c) if {
	p.group == c.group
	p.family == c.family
	p.protocol == "all"
}

applies(p, c) if {
	p.group == c.group
	p.family == c.family
	p.protocol == c.protocol
	p.span[0] <= c.port
	c.port <= p.span[1]
}

cover_members(c) := {p | some p in piece; applies(p, c)}

# The members of a full cover that no other member contains: they partition the space.
finding contains lib.finding("GR-SG1", "error", m.o.r, message, lib.location(m.o.source_path), m.o.exempt) if {
	some c in candidate
	members := cover_members(c)
	lib.whole_space({m.bits | some m in members}, lib.family_width(c.family))
	some m in members
	not inside_another(m, members)
	source := known_source(m.o)
	lo := port(m.o, 1)
	hi := port(m.o, 2)
	message := concat("", [describe(protocol_of(m.o), lo, hi), " from ", source, " is open to the whole internet together with the group's other sources; ", fix])
}

inside_another(m, members) if {
	some other in members
	other.bits != m.bits
	startswith(m.bits, other.bits)
}

known_source(o) := v if {
	not lib.unknown_at(o.r, o.source_path)
	v := lib.value_at(o.r, o.source_path)
	v != null
	is_string(v)
}

problems(o) := array.concat(
	[{"why": lib.unknown_why(p), "where": lib.location(p)} | some p in o.ports; lib.unknown_at(o.r, p)],
	[{"why": concat("", [lib.location(p), " is not a port number"]), "where": lib.location(p)} |
		some n in [1, 2]
		p := o.ports[n]
		not lib.unknown_at(o.r, p)
		not port_text_ok(lib.value_at(o.r, p))
	],
)

port_text_ok(v) if v == null

port_text_ok(v) if is_number(v)

port_text_ok(v) if {
	is_string(v)
	v == ""
}

port_text_ok(v) if {
	is_string(v)
	regex.match(`^\s*[-+]?\d+\s*$`, v)
}

protocol_of(o) := "-1" if lib.value_at(o.r, o.ports[0]) == null

else := lib.text(lib.value_at(o.r, o.ports[0]))

port(o, n) := null if {
	v := lib.value_at(o.r, o.ports[n])
	v == null
} else := null if {
	lib.value_at(o.r, o.ports[n]) == ""
} else := to_number(lib.value_at(o.r, o.ports[n]))

# --- the policy itself (the same rules as guardrails_runtime.policies.sg_open_ingress) ----

names := {
	"-1": "all", "all": "all", "6": "tcp", "tcp": "tcp", "17": "udp", "udp": "udp",
	"1": "icmp", "icmp": "icmp", "58": "icmpv6", "icmpv6": "icmpv6", "ipv6-icmp": "icmpv6",
}

normalize(protocol) := object.get(names, lower(trim_space(protocol)), lower(trim_space(protocol)))

ported(protocol) if normalize(protocol) in {"tcp", "udp"}

span(lo, hi) := [0, 65535] if {
	some v in [lo, hi]
	v == null
} else := [0, 65535] if {
	some v in [lo, hi]
	v < 0
} else := [smaller(lo, hi), capped(bigger(lo, hi))]

# Explicit comparisons: rego-cpp's min/max compare 8080 and 65535 as text.
smaller(a, b) := a if a <= b

else := b

bigger(a, b) := a if a >= b

else := b

capped(x) := 65535 if x > 65535

else := x

covers_disallowed(protocol, _, _) if not ported(protocol)

covers_disallowed(protocol, lo, hi) if {
	ported(protocol)
	s := span(lo, hi)
	allowed := {p | some p in lib.params.allowed_public_ports; p >= s[0]; p <= s[1]}
	count(allowed) < (s[1] - s[0]) + 1
}

describe(protocol, lo, hi) := "all traffic" if normalize(protocol) == "all"

else := concat("", [normalize(protocol), " ", ports_text(span(lo, hi))]) if {
	ported(protocol)
} else := concat("", ["protocol ", normalize(protocol)])

ports_text(s) := format_int(s[0], 10) if s[0] == s[1]

else := concat("", [format_int(s[0], 10), "-", format_int(s[1], 10)])
