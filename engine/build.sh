#!/usr/bin/env bash
# Makes the pinned Pulumi engine available offline and prints, as the LAST line of stdout, the directory to put
# first on PATH. Everything else (progress, errors) goes to stderr. Idempotent: a second run only checks.
#
# That directory holds:
#   pulumi                          the CLI, built from github.com/pulumi/pulumi/pkg/v3 (Go module proxy)
#   pulumi-language-nodejs          our Node.js language host (engine/cmd/pulumi-language-nodejs)
#   pulumi-resource-pulumi-nodejs   the dynamic-provider plugin: runs @pulumi/pulumi/cmd/dynamic-provider
#   pulumi-language-go              our Go language host (engine/cmd/pulumi-language-go)
#   pulumi-language-yaml            the Pulumi YAML language host (github.com/pulumi/pulumi-yaml v$YAML_VERSION),
#                                   built from engine/yaml (its own go.mod: what pulumi-yaml pins, pkg/v3 v3.206.0)
#   pulumi-language-python          our Python language host (engine/cmd/pulumi-language-python)
# Our three hosts are built from their directory and engine/internal (langhost, which they share); each host is
# rebuilt whenever its sources (embedded files such as exec.py included), go.mod/go.sum or the build flags change.
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

# --- The language hosts ---------------------------------------------------------------------------------------------
# With a linked installed CLI, each language host it has beside it comes along (official installs ship them all);
# otherwise ours is built, and built again whenever its stamp changes.
origin="$(cat "$BIN/.pulumi-origin" 2>/dev/null || true)"
installed_dir=""
case "$origin" in
  installed\ *) installed_dir="$(dirname "${origin#installed }")" ;;
esac

stamp_of() { # stamp_of DIR VERSION LDFLAGS [PATH...]: 16 hex digits keyed by VERSION, the build flags, the files
  # under each PATH of DIR (Go tests and testdata left out: what go build reads, embedded files included) and DIR's
  # go.mod and go.sum
  local dir="$1" version="$2" ldflags="$3"
  shift 3
  (cd "$dir" && {
    printf '%s\n' "$version" "$TAGS" "$ldflags"
    if [ $# -gt 0 ]; then
      find "$@" -path '*/testdata' -prune -o -type f ! -name '*_test.go' -print | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done
    fi
    cat go.mod go.sum
  } | sha256sum | cut -c1-16)
}

# link_or_build NAME STAMP LINKED BUILT NOTE DIR PACKAGE VERSION LDFLAGS [SOURCE...]
#   NAME     the host's executable in $BIN
#   STAMP    the file in $BIN that holds the stamp of what is there ("installed" when linked)
#   LINKED   what it is, when linked from the installed CLI's directory ("Go language host")
#   BUILT    what it is, when built ("pulumi-language-go (our Go language host)"); NOTE: said before a build, if any
#   DIR PACKAGE VERSION LDFLAGS: the build, `go build` of PACKAGE (at VERSION) in DIR with LDFLAGS (and $TAGS,
#            -trimpath)
#   SOURCE   the paths under DIR it is built from (with the build flags and DIR's go.mod/go.sum: its stamp)
# Files named NAME-* beside an installed host come along with it (the Python host's pulumi-language-python-exec).
link_or_build() {
  local name="$1" stamp_file="$BIN/$2" linked="$3" built="$4" note="$5" dir="$6" package="$7" version="$8" ldflags="$9"
  shift 9
  local their="$installed_dir/$name"
  if [ -n "$installed_dir" ] && [ -x "$their" ]; then
    if ! cmp -s "$their" "$BIN/$name"; then
      say "linking the installed $linked $their into $BIN"
      place "$their" "$BIN/$name"
      local companion
      for companion in "$their"-*; do
        [ ! -f "$companion" ] || place "$companion" "$BIN/$(basename "$companion")"
      done
      write_new "$stamp_file" installed
    fi
    return 0
  fi
  local stamp
  stamp="$(stamp_of "$dir" "$version" "$ldflags" "$@")"
  if [ -x "$BIN/$name" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "Go (>= 1.25) is needed to build $name: see https://go.dev/dl"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
  say "building $built into $BIN"
  [ -z "$note" ] || say "$note"
  local start=$SECONDS
  if ! (cd "$dir" && go build -tags "$TAGS" -trimpath -ldflags "$ldflags" -o "$BIN/$name.tmp.$$" "$package") < /dev/null; then
    rm -f "$BIN/$name.tmp.$$"
    die "go build of $name failed"
  fi
  mv -f "$BIN/$name.tmp.$$" "$BIN/$name"
  write_new "$stamp_file" "$stamp"
  say "$name built in $((SECONDS - start)) s"
}

# Ours: engine/cmd/pulumi-language-<language>, on the shared engine/internal/langhost.
link_or_build pulumi-language-nodejs .language-host-stamp "language host" "pulumi-language-nodejs (our Node.js language host)" "" \
  "$HERE" ./cmd/pulumi-language-nodejs "$VERSION" "$LDFLAGS" cmd/pulumi-language-nodejs internal
# Pulumi's, built from engine/yaml, whose go.mod is pulumi-yaml's own build list (it does not compile against pkg/v3
# v3.248.0), so the build is that of its release.
YAML_LDFLAGS="-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_VERSION"
link_or_build pulumi-language-yaml .language-yaml-stamp "YAML language host" \
  "pulumi-language-yaml v$YAML_VERSION (the Pulumi YAML language host)" \
  "(first time only: about 5-15 minutes on 2 cores: its own pkg/v3 v3.206.0 dependency tree)" \
  "$HERE/yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml "$YAML_VERSION" "$YAML_LDFLAGS"
link_or_build pulumi-language-go .language-go-stamp "Go language host" "pulumi-language-go (our Go language host)" "" \
  "$HERE" ./cmd/pulumi-language-go "$VERSION" "$LDFLAGS" cmd/pulumi-language-go internal
# Its exec script (exec.py) is embedded, so it is part of the sources.
link_or_build pulumi-language-python .language-python-stamp "Python language host" "pulumi-language-python (our Python language host)" "" \
  "$HERE" ./cmd/pulumi-language-python "$VERSION" "$LDFLAGS" cmd/pulumi-language-python internal

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
