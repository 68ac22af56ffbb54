#!/usr/bin/env bash
# Makes the pinned actionlint (the GitHub Actions workflow linter) available offline and prints, as the LAST line
# of stdout, the path of its binary. Everything else goes to stderr. Idempotent: a second run only checks.
#
# Built once with `go install` from the Go module proxy into
# ${CHASER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/tools}/actionlint-v<version>/actionlint
# (about a minute on 2 cores the first time) and reused while present. An `actionlint` already on PATH that
# reports exactly the pinned version is used instead.
#
# Usage: bash scripts/actionlint.sh            print the binary's path
#        bash scripts/actionlint.sh FILES...   run it on FILES (exit code: actionlint's)
set -euo pipefail
VERSION=1.7.12
CACHE="${CHASER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/tools}"
DIR="$CACHE/actionlint-v$VERSION"

say() { echo "actionlint.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

locate() {
  if p="$(command -v actionlint 2>/dev/null)" && [ "$("$p" -version 2>/dev/null | head -n1)" = "v$VERSION" ]; then
    echo "$p"; return
  fi
  if [ -x "$DIR/actionlint" ]; then echo "$DIR/actionlint"; return; fi
  mkdir -p "$DIR"
  # One build at a time per cache (tests may call this concurrently); the others wait, then find it built.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$DIR/.build.lock"
    flock 9
  fi
  if [ ! -x "$DIR/actionlint" ]; then
    command -v go >/dev/null 2>&1 || die "Go is needed once to build actionlint v$VERSION: see https://go.dev/dl"
    say "building actionlint v$VERSION into $DIR (first time only)"
    start=$SECONDS
    tmp="$(mktemp -d "$DIR/.gobin.XXXXXX")"
    if ! GOBIN="$tmp" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod \
         go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@v$VERSION" >&2 < /dev/null; then
      rm -rf "$tmp"
      die "go install github.com/rhysd/actionlint/cmd/actionlint@v$VERSION failed"
    fi
    mv -f "$tmp/actionlint" "$DIR/actionlint"
    rm -rf "$tmp"
    say "actionlint $("$DIR/actionlint" -version | head -n1) built in $((SECONDS - start)) s"
  fi
  echo "$DIR/actionlint"
}

bin="$(locate)"
if [ "$#" -eq 0 ]; then
  echo "$bin"
else
  exec "$bin" "$@"
fi
