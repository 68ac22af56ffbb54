#!/usr/bin/env bash
# Builds what is missing of the Pulumi engine at the pinned version, into a cache outside the repository:
#   pulumi                         the CLI, from github.com/pulumi/pulumi/pkg/v3 (Go module proxy)
#   pulumi-language-nodejs         our own Node.js language host (engine/cmd/pulumi-language-nodejs)
#   pulumi-resource-pulumi-nodejs  the dynamic-provider plugin launcher (runs @pulumi/pulumi/cmd/dynamic-provider)
# Reuses an installed `pulumi` >= the pinned version when one is on PATH (and its language host when beside it).
# Progress goes to stderr; the LAST line of stdout is the directory to put first on PATH.
set -euo pipefail
VERSION=3.248.0
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${CHASER_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/engine}"
BIN="$CACHE/v$VERSION/bin"
mkdir -p "$BIN"
say() { echo "engine: $*" >&2; }

version_ge() { # version_ge A B: A >= B (dotted numbers)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]
}

write_dynamic_provider_launcher() {
  local f="$1/pulumi-resource-pulumi-nodejs"
  if [ ! -x "$f" ]; then
    cat > "$f.tmp" <<'EOF'
#!/bin/sh
# Resolve @pulumi/pulumi's dynamic-provider host from the program's directory and run it with the engine's args.
script=$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
exec node "$script" "$@"
EOF
    chmod +x "$f.tmp" && mv "$f.tmp" "$f"
  fi
}

# An installed pulumi that is recent enough wins, as long as a Node.js language host is beside it.
if command -v pulumi >/dev/null 2>&1; then
  installed=$(dirname "$(command -v pulumi)")
  v=$(pulumi version 2>/dev/null | sed 's/^v//') || v=""
  if [ -n "$v" ] && [ "$installed" != "$BIN" ] && version_ge "$v" "$VERSION" && [ -x "$installed/pulumi-language-nodejs" ]; then
    say "using the installed pulumi $v in $installed"
    if [ ! -x "$installed/pulumi-resource-pulumi-nodejs" ]; then write_dynamic_provider_launcher "$BIN"; echo "$installed:$BIN"; else echo "$installed"; fi
    exit 0
  fi
fi

command -v go >/dev/null 2>&1 || { say "Go is needed once to build the Pulumi CLI $VERSION (apt-get install golang, or https://go.dev/dl)"; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION"
cd "$HERE"

if [ ! -x "$BIN/pulumi" ] || [ "$("$BIN/pulumi" version 2>/dev/null)" != "v$VERSION" ]; then
  say "building the Pulumi CLI v$VERSION from its Go modules (first time only: about 5-25 minutes on 2 cores)"
  start=$(date +%s)
  go build -v -tags osusergo,grpcnotrace -trimpath -ldflags "$LDFLAGS" -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1 \
    | awk '{ n++; if (n % 100 == 0) { printf "engine: ... %d packages compiled\n", n > "/dev/stderr"; fflush() } }'
  [ "${PIPESTATUS[0]}" -eq 0 ] || { say "go build of the CLI failed"; exit 1; }
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  say "pulumi $("$BIN/pulumi" version) built in $(( $(date +%s) - start )) s"
fi

# The language host is rebuilt whenever its sources or the module's dependencies change.
stamp=$(cat "$HERE"/go.mod "$HERE"/go.sum "$HERE"/cmd/pulumi-language-nodejs/*.go | sha256sum | cut -c1-16)
if [ ! -x "$BIN/pulumi-language-nodejs" ] || [ "$(cat "$BIN/.language-host-stamp" 2>/dev/null)" != "$stamp" ]; then
  say "building pulumi-language-nodejs (our Node.js language host)"
  start=$(date +%s)
  go build -tags osusergo,grpcnotrace -trimpath -ldflags "-s -w -X main.version=$VERSION" -o "$BIN/pulumi-language-nodejs.tmp" ./cmd/pulumi-language-nodejs
  mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs"
  echo "$stamp" > "$BIN/.language-host-stamp"
  say "pulumi-language-nodejs built in $(( $(date +%s) - start )) s"
fi

write_dynamic_provider_launcher "$BIN"
echo "$BIN"
