#!/usr/bin/env bash
# Makes the pinned rcodesign (crate apple-codesign: Apple code signing in Rust, no macOS needed) available and
# prints, as the LAST line of stdout, the path of its binary. Everything else goes to stderr. Idempotent: a second
# run only checks. Used by scripts/release/build.js to sign the darwin executables ad hoc (`rcodesign sign` with no
# certificate), as `codesign --sign -` does on a Mac.
#
# Built once with `cargo install` from crates.io (without the notarization feature: no AWS SDK) into
# ${CHASER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/tools}/rcodesign-v<version>/bin/rcodesign
# (several minutes on 2 cores the first time) and reused while present.
set -euo pipefail
VERSION=0.29.0
CACHE="${CHASER_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-chaser/tools}"
DIR="$CACHE/rcodesign-v$VERSION"
say() { echo "rcodesign.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

if [ ! -x "$DIR/bin/rcodesign" ]; then
  mkdir -p "$DIR"
  # One build at a time per cache; the others wait, then find it built.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$DIR/.build.lock"
    flock 9
  fi
  if [ ! -x "$DIR/bin/rcodesign" ]; then
    command -v cargo >/dev/null 2>&1 || die "Rust's cargo is needed once to build rcodesign $VERSION (apple-codesign): see https://rustup.rs"
    say "building rcodesign $VERSION (crate apple-codesign) into $DIR (first time only)"
    start=$SECONDS
    tmp="$(mktemp -d "$DIR/.root.XXXXXX")"
    if ! CARGO_TARGET_DIR="$DIR/.target" cargo install --locked --no-default-features --version "$VERSION" \
         --root "$tmp" apple-codesign >&2 < /dev/null; then
      rm -rf "$tmp"
      die "cargo install apple-codesign@$VERSION failed"
    fi
    mkdir -p "$DIR/bin"
    mv -f "$tmp/bin/rcodesign" "$DIR/bin/rcodesign"
    rm -rf "$tmp" "$DIR/.target"
    say "rcodesign built in $((SECONDS - start)) s"
  fi
fi
echo "$DIR/bin/rcodesign"
