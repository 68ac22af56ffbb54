#!/usr/bin/env bash
# Builds the Python SDK (sdk/python, or the directory given second) into a wheel and an sdist in OUTDIR with
# `python -m build`, in a virtualenv this script creates once (python3 -m venv) and keeps in
# ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/python-build/<python version>-<hash of the pins>, with the pinned
# build tools of scripts/release/requirements-build.txt (from PyPI the first time). No build isolation: the
# pins are the whole build environment, so a build needs no download once the virtualenv exists.
# Prints, as the last two lines of stdout, the wheel's and the sdist's paths.
#
# Usage: bash scripts/sdk-python.sh OUTDIR [SDK_DIR]
set -euo pipefail
exec 3>&1 1>&2 # stdout is for the two paths only
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: bash scripts/sdk-python.sh OUTDIR [SDK_DIR]"; exit 2; }
OUT="$1"
SRC="${2:-$ROOT/sdk/python}"
PINS="$HERE/release/requirements-build.txt"
PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || { echo "sdk-python: $PY not found (Python >= 3.9 builds the Python SDK)"; exit 1; }
[ -f "$SRC/pyproject.toml" ] || { echo "sdk-python: no pyproject.toml in $SRC"; exit 1; }

pyver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
key="$(cat "$PINS" | sha256sum | cut -c1-12)"
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/python-build/$pyver-$key"
mkdir -p "$(dirname "$VENV")"
# One creation at a time (tests may call this concurrently); the others wait, then find it made.
if command -v flock >/dev/null 2>&1; then exec 9>"$VENV.lock"; flock 9; fi
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.complete" ]; then
  echo "sdk-python: creating the build virtualenv $VENV (first time only)"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$PINS"
  touch "$VENV/.complete"
fi
exec 9>&-

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
# Built from a copy: setuptools writes build/ and *.egg-info/ beside the sources.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$SRC/." "$work/"
rm -rf "$work/build" "$work"/*.egg-info
# Quiet unless it fails (setuptools lists every file it copies).
if ! (cd "$work" && SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-315532800}" "$VENV/bin/python" -m build --no-isolation --wheel --sdist --outdir "$OUT" . > "$work/.build.log" 2>&1); then
  cat "$work/.build.log"
  echo "sdk-python: python -m build failed"
  exit 1
fi
name="$(sed -n 's/^ *name *= *"\(.*\)"/\1/p' "$SRC/pyproject.toml" | head -n1)"
version="$(sed -n 's/^ *version *= *"\(.*\)"/\1/p' "$SRC/pyproject.toml" | head -n1)"
wheel="$OUT/${name}-${version}-py3-none-any.whl"
sdist="$OUT/${name}-${version}.tar.gz"
[ -f "$wheel" ] && [ -f "$sdist" ] || { echo "sdk-python: expected $wheel and $sdist"; ls -l "$OUT"; exit 1; }
echo "$wheel" >&3
echo "$sdist" >&3
