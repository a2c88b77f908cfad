#!/usr/bin/env bash
# Installs moto's server, an emulator of the real AWS KMS API, into a virtualenv cached outside
# the repository and keyed by version. Prints the path of its moto_server executable.
set -euo pipefail
source "$(dirname "$0")/versions.sh"
cache="${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}"
venv="$cache/venv/moto-$MOTO_VERSION"
if ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "[install-kms-emulator] installing moto[server] $MOTO_VERSION into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
echo "$venv/bin/moto_server"
