# Sourced by the other scripts: the venv on PATH and the CDK CLI kept offline and quiet.
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH"
export CDK_DISABLE_CLI_TELEMETRY=true
export CDK_DISABLE_VERSION_CHECK=1
export CDK_HOME="$PWD"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
