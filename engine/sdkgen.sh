#!/usr/bin/env bash
# Builds (only when missing or stale) the SDK generators and runs chaser-sdkgen from the repository root with the
# given arguments: `bash engine/sdkgen.sh` regenerates sdk/python, sdk/go and sdk/dotnet from schema.json (`make sdks`),
# `-check` fails when the committed SDKs differ from what schema.json generates, `-lang none` only binds
# (validates) the schema.
#   chaser-sdkgen         engine/tools (pkg/v3 v3.248.0, the engine's): binds schema.json, Python and Go SDKs
#   chaser-sdkgen-dotnet  engine/yaml (pkg/v3 v3.206.0, the YAML host's build list): the .NET SDK (see its main.go)
# Offline like engine/build.sh (same Go settings and flags, so the build cache is shared), into
# ${CHASER_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/engine}/sdkgen.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CACHE="${CHASER_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/engine}"
OUT="$CACHE/sdkgen"
TAGS=osusergo,grpcnotrace
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOSUMDB=off
mkdir -p "$OUT"

build() { # build MODULE_DIR PACKAGE NAME
  local dir="$1" pkg="$2" name="$3" stamp
  stamp="$(cd "$dir" && { printf '%s\n' "$TAGS"; find . -name '*.go' -o -name '*.png' -o -name '*.py' | LC_ALL=C sort | while read -r f; do echo "== $f"; cat "$f"; done; cat go.mod go.sum; } | sha256sum | cut -c1-16)"
  if [ -x "$OUT/$name" ] && [ "$(cat "$OUT/.$name-stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
  command -v go >/dev/null 2>&1 || { echo "sdkgen: Go (>= 1.25) is needed to build $name" >&2; exit 1; }
  echo "sdkgen: building $name into $OUT" >&2
  (cd "$dir" && go build -tags "$TAGS" -trimpath -ldflags "-s -w" -o "$OUT/$name.tmp.$$" "$pkg") < /dev/null
  mv -f "$OUT/$name.tmp.$$" "$OUT/$name"
  # A new file, not a write into the old one: a cache seeded with `cp -al` shares the old one's inode.
  printf '%s\n' "$stamp" > "$OUT/.$name-stamp.tmp.$$" && mv -f "$OUT/.$name-stamp.tmp.$$" "$OUT/.$name-stamp"
}

# One build at a time per cache (tests and `make sdks` may overlap).
if command -v flock >/dev/null 2>&1; then exec 9>"$OUT/.build.lock"; flock 9; fi
build "$HERE/tools" ./chaser-sdkgen chaser-sdkgen
build "$HERE/yaml" ./chaser-sdkgen-dotnet chaser-sdkgen-dotnet
exec 9>&-

cd "$ROOT"
exec "$OUT/chaser-sdkgen" -schema schema.json -out sdk -dotnet "$OUT/chaser-sdkgen-dotnet" "$@"
