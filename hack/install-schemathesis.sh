#!/usr/bin/env bash
# Installs schemathesis, which generates requests from an OpenAPI document and checks the answers
# against it, into a virtualenv cached outside the repository and keyed by version (never into the
# system Python). Prints the path of its `st` executable.
set -euo pipefail
source "$(dirname "$0")/versions.sh"
source "$(dirname "$0")/python-venv.sh"
venv=$(python_tool schemathesis "$SCHEMATHESIS_VERSION" "schemathesis==$SCHEMATHESIS_VERSION" \
  "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION')")
echo "$venv/bin/st"
