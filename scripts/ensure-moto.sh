#!/usr/bin/env bash
# Prints the path of a Python interpreter that can run `python3 -m moto.server`.
# Uses the machine's python3 when it already has moto 5 with its server extras; otherwise creates a
# virtualenv in the cache (keyed by moto version) and installs moto[server] from PyPI once.
set -euo pipefail
MOTO_VERSION=${MOTO_VERSION:-5.2.1}
CACHE=${HOMEOSTAT_CACHE:-$HOME/.cache/homeostat}
PY=${HOMEOSTAT_PYTHON:-python3}

has_moto() {
  "$1" - <<'PY' 2>/dev/null
import importlib.metadata as m, sys
import moto.server, flask_cors  # noqa: F401  (the server extras)
sys.exit(0 if m.version("moto").split(".")[0] == "5" else 1)
PY
}

if command -v "$PY" >/dev/null && has_moto "$PY"; then
  command -v "$PY"
  exit 0
fi
venv="$CACHE/python/moto-$MOTO_VERSION"
if [ ! -x "$venv/bin/python" ] || ! has_moto "$venv/bin/python"; then
  command -v python3 >/dev/null || { echo "python3 is required for the moto server (install Python 3.9+)" >&2; exit 1; }
  echo "installing moto[server]==$MOTO_VERSION into $venv (once)" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet "moto[server]==$MOTO_VERSION" >&2
fi
echo "$venv/bin/python"
