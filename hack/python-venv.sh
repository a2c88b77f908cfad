# Sourced by the install-*.sh scripts: a Python tool in a virtualenv cached outside the repository
# and keyed by version (never in the system Python).
#   python_tool NAME VERSION PIP_SPEC CHECK   CHECK: Python that exits 0 when VERSION is installed
# Prints the virtualenv's directory.
python_tool() {
  local name=$1 version=$2 spec=$3 check=$4
  local venv="${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}/venv/$name-$version"
  if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
    echo "[install-$name] installing $spec into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$spec" >&2
  fi
  echo "$venv"
}
