#!/usr/bin/env bash
# Installs moto's server, an emulator of the real AWS KMS API, into a virtualenv cached outside
# the repository and keyed by version. Prints the path of its moto_server executable.
set -euo pipefail
source "$(dirname "$0")/versions.sh"
source "$(dirname "$0")/python-venv.sh"
venv=$(python_tool moto "$MOTO_VERSION" "moto[server]==$MOTO_VERSION" "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')")
echo "$venv/bin/moto_server"
