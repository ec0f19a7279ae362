# cdk-guardrails policy ebs-encryption over a Terraform plan (Rego v1).
#
# EBS volumes are encrypted, and EBS encryption by default stays enabled. An
# aws_ebs_volume that leaves `encrypted` unset (provider-computed: not in the
# configuration, unknown in the plan) is encrypted only where the account default is on:
# denied unless params.ebs_encrypted_by_default, and denied in any case when it names a
# KMS key (EC2 accepts a key only with encrypted = true). Rules:
#   GR-EBS1 (deny)  an unencrypted or unset volume, or encryption by default switched off
#   GR-EBS2 (warn)  the value is unknown in the plan although the configuration sets it
package guardrails.ebs_encryption

import data.guardrails.lib
import rego.v1

policy := "ebs-encryption"

fix := "Fix: set encrypted = true on the volume and keep aws_ebs_encryption_by_default enabled."

deny contains f.message if {
	some f in finding
	f.level == "error"
}

warn contains f.message if {
	some f in finding
	f.level == "warning"
}

finding contains lib.finding("GR-EBS2", "warning", r, lib.unknown_why(["encrypted"]), "encrypted", false) if {
	some r in lib.of_type("aws_ebs_volume")
	lib.unknown_at(r, ["encrypted"])
	lib.configured(r, "encrypted")
}

finding contains lib.finding("GR-EBS1", "error", r, concat("", ["the volume is not encrypted; ", fix]), "encrypted", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_ebs_volume")
	not lib.unknown_at(r, ["encrypted"])
	value := lib.value_at(r, ["encrypted"])
	value != null
	not true_value(value)
}

finding contains lib.finding("GR-EBS1", "error", r, concat("", ["encrypted is absent: the volume is encrypted only where EBS encryption by default is on in its account and region; ", fix]), "encrypted", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_ebs_volume")
	unset(r)
	not names_key(r)
	lib.params.ebs_encrypted_by_default != true
}

finding contains lib.finding("GR-EBS1", "error", r, concat("", ["kms_key_id names a KMS key but encrypted is absent: EC2 accepts a key only with encrypted true; ", fix]), "encrypted", lib.exempt_flag(r)) if {
	some r in lib.of_type("aws_ebs_volume")
	unset(r)
	names_key(r)
}

unset(r) if {
	lib.unknown_at(r, ["encrypted"])
	not lib.configured(r, "encrypted")
}

unset(r) if {
	not lib.unknown_at(r, ["encrypted"])
	lib.value_at(r, ["encrypted"]) == null
}

names_key(r) if {
	not lib.unknown_at(r, ["kms_key_id"])
	key := lib.value_at(r, ["kms_key_id"])
	key != null
	key != ""
}

names_key(r) if {
	lib.unknown_at(r, ["kms_key_id"])
	lib.configured(r, "kms_key_id")
}

finding contains lib.finding("GR-EBS2", "warning", r, lib.unknown_why(["enabled"]), "enabled", false) if {
	some r in lib.of_type("aws_ebs_encryption_by_default")
	lib.unknown_at(r, ["enabled"])
}

finding contains lib.finding("GR-EBS1", "error", r, concat("", ["EBS encryption by default is switched off; ", fix]), "enabled", false) if {
	some r in lib.of_type("aws_ebs_encryption_by_default")
	not lib.unknown_at(r, ["enabled"])
	value := lib.value_at(r, ["enabled"])
	value != null
	not true_value(value)
}

true_value(true)

true_value(v) if {
	is_string(v)
	lower(v) == "true"
}
