"""AWS CLI commands for people to paste: every argument shell-quoted.

Notifications carry undo and exemption commands that contain text copied from resources
(rule descriptions, grantee names, trail names, policy documents). Anyone who can set that
text could otherwise make a pasted command run something else (``x' ; touch /tmp/p ;
echo '``). :func:`command` quotes every argument, so ``shlex.split`` of the result gives
back exactly the values it was built from.

Examples
--------
>>> command("aws", "ec2", "create-tags", "--tags", "Key=a b,Value=$(id)")
"aws ec2 create-tags --tags 'Key=a b,Value=$(id)'"
"""

from __future__ import annotations

import shlex


def command(*args: str) -> str:
    """A shell command line from its arguments, each quoted where it needs to be."""
    return " ".join(shlex.quote(str(arg)) for arg in args)


def region_args(region: str | None) -> tuple[str, ...]:
    """``--region REGION`` when the region is known, else nothing."""
    return ("--region", region) if region else ()
