#!/usr/bin/env bash
# Makes the pinned Pulumi engine available offline and prints, as the LAST line of stdout, the directory to put
# first on PATH. Everything else (progress, errors) goes to stderr. Idempotent: a second run only checks.
#
# That directory holds:
#   pulumi                          the CLI, built from github.com/pulumi/pulumi/pkg/v3 (Go module proxy)
#   pulumi-language-nodejs          our Node.js language host (engine/cmd/pulumi-language-nodejs), rebuilt
#                                   whenever its sources, go.mod/go.sum or the build flags change
#   pulumi-resource-pulumi-nodejs   the dynamic-provider plugin: runs @pulumi/pulumi/cmd/dynamic-provider
#   pulumi-language-go              our Go language host (engine/cmd/pulumi-language-go), rebuilt whenever its
#                                   sources, go.mod/go.sum or the build flags change
#   pulumi-language-yaml            the Pulumi YAML language host (github.com/pulumi/pulumi-yaml v$YAML_VERSION),
#                                   built from engine/yaml (its own go.mod: what pulumi-yaml pins, pkg/v3 v3.206.0),
#                                   rebuilt whenever that go.mod/go.sum or the build flags change
#   pulumi-language-python          our Python language host (engine/cmd/pulumi-language-python), rebuilt whenever
#                                   its sources (exec.py, packages.py included), go.mod/go.sum or the build flags change
# in ${CHASER_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/engine}/v<version>/bin.
#
# An installed `pulumi` (first on PATH) whose version is >= the pinned one is reused instead of building: its own
# directory is printed when the two plugins are beside it (an official install), otherwise it is linked or copied
# into the cache together with its language host when it has one, and the missing pieces are built there. (The
# engine looks for these plugins next to the real `pulumi` binary and warns about any other copy on PATH, hence
# one directory.)
set -euo pipefail
exec 3>&1 1>&2 # stdout is for the final line only

VERSION=3.248.0
YAML_VERSION=1.25.0 # the newest github.com/pulumi/pulumi-yaml the Go module proxy serves; needs Go >= 1.24.7
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CHASER_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/engine}"
BIN="$CACHE/v$VERSION/bin"
TAGS=osusergo,grpcnotrace
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION"
export PULUMI_SKIP_UPDATE_CHECK=true

say() { echo "engine: $*"; }
die() { echo "engine: error: $*"; exit 1; }
result() { echo "$1" >&3; exit 0; }

version_ge() { # version_ge A B: A >= B (dotted versions; v prefix and suffixes such as -dev tolerated)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}
pulumi_version() { # the version a pulumi binary reports, without its v, or nothing
  "$1" version 2>/dev/null | head -n1 | sed -n 's/^v\{0,1\}\([0-9][0-9.]*[^ ]*\).*/\1/p'
}
write_new() { # write_new DEST TEXT: DEST replaced by a new file (a cache seeded with `cp -al` shares inodes)
  printf '%s\n' "$2" > "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}
place() { # place SRC DEST: hard link (else copy) SRC to DEST, atomically
  ln -f "$1" "$2.tmp.$$" 2>/dev/null || cp -p "$1" "$2.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
}

mkdir -p "$BIN"
BIN="$(cd "$BIN" && pwd -P)"

# One run at a time per cache (`make test` and a test's own call may overlap); the others wait, then find the work done.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$BIN/../.build.lock"
  if ! flock -n 9; then
    say "another engine/build.sh is running on $CACHE: waiting for it"
    flock 9
  fi
fi

# --- An installed pulumi that is recent enough -------------------------------------------------------------------
installed="" # the real path of an installed pulumi >= VERSION that is not ours
if p="$(command -v pulumi 2>/dev/null)"; then
  real="$(readlink -f "$p")"
  if [ "$(dirname "$real")" != "$BIN" ]; then
    v="$(pulumi_version "$real")"
    if [ -n "$v" ] && version_ge "$v" "$VERSION"; then
      installed="$real"
      dir="$(dirname "$real")"
      if [ -x "$dir/pulumi-language-nodejs" ] && [ -x "$dir/pulumi-resource-pulumi-nodejs" ] && [ -x "$dir/pulumi-language-yaml" ] \
         && [ -x "$dir/pulumi-language-python" ]; then
        say "using the installed pulumi $v and its plugins in $dir"
        result "$dir"
      fi
    elif [ -n "$v" ]; then
      say "the installed pulumi $v ($p) is older than $VERSION: not used"
    fi
  fi
fi

# --- The CLI ------------------------------------------------------------------------------------------------------
cli_version="$( [ -x "$BIN/pulumi" ] && pulumi_version "$BIN/pulumi" || true)"
if [ -z "$cli_version" ] || ! version_ge "$cli_version" "$VERSION"; then
  if [ -n "$installed" ]; then
    say "linking the installed pulumi $(pulumi_version "$installed") ($installed) into $BIN"
    place "$installed" "$BIN/pulumi"
    write_new "$BIN/.pulumi-origin" "installed $installed"
  else
    command -v go >/dev/null 2>&1 || die "Go (>= 1.25) is needed once to build the Pulumi CLI $VERSION: see https://go.dev/dl"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
    log="$BIN/../build-pulumi.log"
    say "building the Pulumi CLI v$VERSION from its Go modules into $BIN"
    say "(first time only: 5-25 minutes on 2 cores, 1-2 GB of module cache; log: $log)"
    start=$SECONDS
    (cd "$HERE" && exec go build -v -tags "$TAGS" -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi.tmp.$$" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) > "$log" 2>&1 < /dev/null &
    pid=$!
    trap 'kill "$pid" 2>/dev/null' EXIT
    while kill -0 "$pid" 2>/dev/null; do # a progress line a minute (go build -v prints a package a line)
      for _ in $(seq 12); do sleep 5; kill -0 "$pid" 2>/dev/null || break; done
      ! kill -0 "$pid" 2>/dev/null || say "... $(grep -c . "$log" || true) packages compiled after $((SECONDS - start)) s"
    done
    status=0; wait "$pid" || status=$?
    trap - EXIT
    if [ "$status" -ne 0 ]; then
      tail -n 30 "$log"
      rm -f "$BIN/pulumi.tmp.$$"
      die "go build of the Pulumi CLI failed (full log: $log)"
    fi
    mv -f "$BIN/pulumi.tmp.$$" "$BIN/pulumi"
    write_new "$BIN/.pulumi-origin" "built v$VERSION"
    say "pulumi $(pulumi_version "$BIN/pulumi") built in $((SECONDS - start)) s ($(grep -c . "$log" || true) packages compiled)"
  fi
fi

# --- The language host ---------------------------------------------------------------------------------------------
# With a linked installed CLI, its own language host comes along when it has one; otherwise we build ours.
origin="$(cat "$BIN/.pulumi-origin" 2>/dev/null || true)"
their_host=""
case "$origin" in
  installed\ *) [ -x "$(dirname "${origin#installed }")/pulumi-language-nodejs" ] && their_host="$(dirname "${origin#installed }")/pulumi-language-nodejs" ;;
esac
if [ -n "$their_host" ]; then
  if ! cmp -s "$their_host" "$BIN/pulumi-language-nodejs"; then
    say "linking the installed language host $their_host into $BIN"
    place "$their_host" "$BIN/pulumi-language-nodejs"
    write_new "$BIN/.language-host-stamp" installed
  fi
else
  # Keyed by the sources (tests excluded), the module files and the build flags.
  stamp="$(cd "$HERE" && {
      printf '%s\n' "$VERSION" "$TAGS" "$LDFLAGS"
      find cmd/pulumi-language-nodejs -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done
      cat go.mod go.sum
    } | sha256sum | cut -c1-16)"
  if [ ! -x "$BIN/pulumi-language-nodejs" ] || [ "$(cat "$BIN/.language-host-stamp" 2>/dev/null)" != "$stamp" ]; then
    command -v go >/dev/null 2>&1 || die "Go (>= 1.25) is needed to build pulumi-language-nodejs: see https://go.dev/dl"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
    say "building pulumi-language-nodejs (our Node.js language host) into $BIN"
    start=$SECONDS
    if ! (cd "$HERE" && go build -tags "$TAGS" -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi-language-nodejs.tmp.$$" \
          ./cmd/pulumi-language-nodejs) < /dev/null; then
      rm -f "$BIN/pulumi-language-nodejs.tmp.$$"
      die "go build of pulumi-language-nodejs failed"
    fi
    mv -f "$BIN/pulumi-language-nodejs.tmp.$$" "$BIN/pulumi-language-nodejs"
    write_new "$BIN/.language-host-stamp" "$stamp"
    say "pulumi-language-nodejs built in $((SECONDS - start)) s"
  fi
fi

# --- The YAML language host ----------------------------------------------------------------------------------------
# An installed CLI's own (official installs ship one) is linked; otherwise built from engine/yaml, whose go.mod is
# pulumi-yaml's own build list (it does not compile against pkg/v3 v3.248.0), so the build is that of its release.
their_yaml=""
case "$origin" in
  installed\ *) [ -x "$(dirname "${origin#installed }")/pulumi-language-yaml" ] && their_yaml="$(dirname "${origin#installed }")/pulumi-language-yaml" ;;
esac
if [ -n "$their_yaml" ]; then
  if ! cmp -s "$their_yaml" "$BIN/pulumi-language-yaml"; then
    say "linking the installed YAML language host $their_yaml into $BIN"
    place "$their_yaml" "$BIN/pulumi-language-yaml"
    write_new "$BIN/.language-yaml-stamp" installed
  fi
else
  YAML_LDFLAGS="-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_VERSION"
  yaml_stamp="$(cd "$HERE/yaml" && { printf '%s\n' "$YAML_VERSION" "$TAGS" "$YAML_LDFLAGS"; cat go.mod go.sum; } | sha256sum | cut -c1-16)"
  if [ ! -x "$BIN/pulumi-language-yaml" ] || [ "$(cat "$BIN/.language-yaml-stamp" 2>/dev/null)" != "$yaml_stamp" ]; then
    command -v go >/dev/null 2>&1 || die "Go (>= 1.25) is needed to build pulumi-language-yaml: see https://go.dev/dl"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
    say "building pulumi-language-yaml v$YAML_VERSION (the Pulumi YAML language host) into $BIN"
    say "(first time only: about 5-15 minutes on 2 cores: its own pkg/v3 v3.206.0 dependency tree)"
    start=$SECONDS
    if ! (cd "$HERE/yaml" && go build -tags "$TAGS" -trimpath -ldflags "$YAML_LDFLAGS" -o "$BIN/pulumi-language-yaml.tmp.$$" \
          github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml) < /dev/null; then
      rm -f "$BIN/pulumi-language-yaml.tmp.$$"
      die "go build of pulumi-language-yaml failed"
    fi
    mv -f "$BIN/pulumi-language-yaml.tmp.$$" "$BIN/pulumi-language-yaml"
    write_new "$BIN/.language-yaml-stamp" "$yaml_stamp"
    say "pulumi-language-yaml built in $((SECONDS - start)) s"
  fi
fi

# --- The Go language host ------------------------------------------------------------------------------------------
# An installed CLI's own (official installs ship one) is linked; otherwise ours, built from engine/cmd/pulumi-language-go,
# keyed like the Node.js host by its sources (tests excluded), the module files and the build flags.
their_go=""
case "$origin" in
  installed\ *) [ -x "$(dirname "${origin#installed }")/pulumi-language-go" ] && their_go="$(dirname "${origin#installed }")/pulumi-language-go" ;;
esac
if [ -n "$their_go" ]; then
  if ! cmp -s "$their_go" "$BIN/pulumi-language-go"; then
    say "linking the installed Go language host $their_go into $BIN"
    place "$their_go" "$BIN/pulumi-language-go"
    write_new "$BIN/.language-go-stamp" installed
  fi
else
  go_stamp="$(cd "$HERE" && {
      printf '%s\n' "$VERSION" "$TAGS" "$LDFLAGS"
      find cmd/pulumi-language-go -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done
      cat go.mod go.sum
    } | sha256sum | cut -c1-16)"
  if [ ! -x "$BIN/pulumi-language-go" ] || [ "$(cat "$BIN/.language-go-stamp" 2>/dev/null)" != "$go_stamp" ]; then
    command -v go >/dev/null 2>&1 || die "Go (>= 1.25) is needed to build pulumi-language-go: see https://go.dev/dl"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
    say "building pulumi-language-go (our Go language host) into $BIN"
    start=$SECONDS
    if ! (cd "$HERE" && go build -tags "$TAGS" -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi-language-go.tmp.$$" \
          ./cmd/pulumi-language-go) < /dev/null; then
      rm -f "$BIN/pulumi-language-go.tmp.$$"
      die "go build of pulumi-language-go failed"
    fi
    mv -f "$BIN/pulumi-language-go.tmp.$$" "$BIN/pulumi-language-go"
    # A new file, not a write into the old one: a cache seeded with `cp -al` shares the old one's inode.
    write_new "$BIN/.language-go-stamp" "$go_stamp"
    say "pulumi-language-go built in $((SECONDS - start)) s"
  fi
fi

# --- The Python language host --------------------------------------------------------------------------------------
# An installed CLI's own (official installs ship one) is linked; otherwise ours (engine/cmd/pulumi-language-python,
# its exec script embedded) is built, keyed by its sources (tests excluded), the module files and the build flags.
their_python=""
case "$origin" in
  installed\ *) [ -x "$(dirname "${origin#installed }")/pulumi-language-python" ] && their_python="$(dirname "${origin#installed }")/pulumi-language-python" ;;
esac
if [ -n "$their_python" ]; then
  if ! cmp -s "$their_python" "$BIN/pulumi-language-python"; then
    say "linking the installed Python language host $their_python into $BIN"
    place "$their_python" "$BIN/pulumi-language-python"
    # The upstream host runs the exec script that sits beside it.
    [ ! -f "$(dirname "$their_python")/pulumi-language-python-exec" ] || place "$(dirname "$their_python")/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
    write_new "$BIN/.language-python-stamp" installed
  fi
else
  python_stamp="$(cd "$HERE" && {
      printf '%s\n' "$VERSION" "$TAGS" "$LDFLAGS"
      find cmd/pulumi-language-python -path '*/testdata' -prune -o -type f ! -name '*_test.go' -print | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done
      cat go.mod go.sum
    } | sha256sum | cut -c1-16)"
  if [ ! -x "$BIN/pulumi-language-python" ] || [ "$(cat "$BIN/.language-python-stamp" 2>/dev/null)" != "$python_stamp" ]; then
    command -v go >/dev/null 2>&1 || die "Go (>= 1.25) is needed to build pulumi-language-python: see https://go.dev/dl"
    export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
    say "building pulumi-language-python (our Python language host) into $BIN"
    start=$SECONDS
    if ! (cd "$HERE" && go build -tags "$TAGS" -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi-language-python.tmp.$$" \
          ./cmd/pulumi-language-python) < /dev/null; then
      rm -f "$BIN/pulumi-language-python.tmp.$$"
      die "go build of pulumi-language-python failed"
    fi
    mv -f "$BIN/pulumi-language-python.tmp.$$" "$BIN/pulumi-language-python"
    write_new "$BIN/.language-python-stamp" "$python_stamp"
    say "pulumi-language-python built in $((SECONDS - start)) s"
  fi
fi

# --- The dynamic-provider plugin -----------------------------------------------------------------------------------
# Like the script at the root of the @pulumi/pulumi npm package: the engine starts it in the program's directory,
# so @pulumi/pulumi resolves from the program's own node_modules.
launcher='#!/bin/sh
# pulumi-resource-pulumi-nodejs (written by pulumi-chaser engine/build.sh): the plugin behind dynamic providers.
# Runs the dynamic-provider host of the @pulumi/pulumi that the current directory (the program'"'"'s) resolves.
script=$(node -e "process.stdout.write(require.resolve(\"@pulumi/pulumi/cmd/dynamic-provider\"))") || {
  echo "pulumi-resource-pulumi-nodejs: cannot resolve @pulumi/pulumi from $(pwd): install it in the program" >&2
  exit 1
}
exec node "$script" "$@"'
if [ "$(cat "$BIN/pulumi-resource-pulumi-nodejs" 2>/dev/null)" != "$launcher" ]; then
  say "writing pulumi-resource-pulumi-nodejs into $BIN"
  printf '%s\n' "$launcher" > "$BIN/pulumi-resource-pulumi-nodejs.tmp.$$"
  chmod +x "$BIN/pulumi-resource-pulumi-nodejs.tmp.$$"
  mv -f "$BIN/pulumi-resource-pulumi-nodejs.tmp.$$" "$BIN/pulumi-resource-pulumi-nodejs"
fi

say "pulumi $(pulumi_version "$BIN/pulumi") ready in $BIN"
result "$BIN"
