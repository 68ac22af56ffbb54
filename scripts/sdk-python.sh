#!/usr/bin/env bash
# Builds the Python SDK (sdk/python, generated from schema.json) as users install it: a wheel and an sdist of
# pulumi_chaser, written into OUTDIR, and prints the wheel's path as the last line of stdout.
#
#   bash scripts/sdk-python.sh OUTDIR
#
# `python -m build` (pinned) runs in a virtualenv of its own that this script makes once, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/python/; the build itself works on a copy of sdk/python, so the
# repository gets no build/ or *.egg-info. Needs python3 (>= 3.9) with venv, and PyPI (build, setuptools).
set -euo pipefail
exec 3>&1 1>&2 # stdout is for the wheel's path only

BUILD_VERSION=1.6.1
[ $# -eq 1 ] || { echo "usage: bash scripts/sdk-python.sh OUTDIR"; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
PY="${PULUMI_PYTHON_CMD:-python3}"
pyver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/python/build-$BUILD_VERSION-py$pyver"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import build" 2>/dev/null; then
  echo "sdk-python: making the build virtualenv $VENV (build==$BUILD_VERSION)"
  rm -rf "$VENV.tmp.$$"
  "$PY" -m venv "$VENV.tmp.$$"
  "$VENV.tmp.$$/bin/python" -m pip install --quiet "build==$BUILD_VERSION"
  # Moved into place whole (only its python, a link to $PY, is used: `python -m build`).
  rm -rf "$VENV" && mv "$VENV.tmp.$$" "$VENV"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$ROOT/sdk/python" "$work/pulumi_chaser-src"
find "$work" -name __pycache__ -type d -prune -exec rm -rf {} +
version="$(sed -n 's/^ *version = "\(.*\)"$/\1/p' "$work/pulumi_chaser-src/pyproject.toml" | head -n1)"
echo "sdk-python: building pulumi_chaser $version (wheel and sdist) into $OUT"
"$VENV/bin/python" -m build --wheel --sdist --outdir "$work/dist" "$work/pulumi_chaser-src" > "$work/build.log" 2>&1 || {
  cat "$work/build.log"; echo "sdk-python: python -m build failed"; exit 1; }
for f in "$work/dist"/*; do
  cp -f "$f" "$OUT/"
done
wheel="$(ls "$OUT"/pulumi_chaser-"$version"-*.whl | head -n1)"
echo "sdk-python: $(basename "$wheel") and pulumi_chaser-$version.tar.gz"
echo "$wheel" >&3
