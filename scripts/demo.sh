#!/usr/bin/env bash
# make demo: examples/quickstart through the real Pulumi engine against chaser-local, fully offline
# (local file backend, passphrase secrets, no account). Each step's output is kept under .demo/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/.demo
LOGS=$DEMO/logs
rm -rf "$DEMO/state" "$DEMO/home" "$LOGS" "$DEMO/chaser-data"
mkdir -p "$DEMO/state" "$DEMO/home" "$LOGS"
t0=$(date +%s)
step() { printf '\n== %s\n' "$*"; }

step "engine: Pulumi CLI 3.248.0 and the Node.js language host"
ENGINE_BIN=$(bash engine/build.sh)
export PATH="$ENGINE_BIN:$PATH"
pulumi version

step "chaser-local: starting the offline Chaser API"
KEY="sk_demo_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" # 32 characters: root keys need at least 20
node bin/chaser-local.js --port 0 --data "$DEMO/chaser-data" --root-key "$KEY" > "$LOGS/chaser-local.log" 2>&1 &
SERVER_PID=$!
cleanup() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT
URL=""
for _ in $(seq 1 100); do
  URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$LOGS/chaser-local.log" | head -1 || true)
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { cat "$LOGS/chaser-local.log"; echo "chaser-local did not start" >&2; exit 1; }
echo "chaser-local listening on $URL (data in .demo/chaser-data)"

step "examples/quickstart: installing the package as users do (npm install, file: reference)"
cd examples/quickstart
rm -rf node_modules/pulumi-chaser
npm install --prefer-offline --no-audit --no-fund > "$LOGS/npm-install.log" 2>&1 || { cat "$LOGS/npm-install.log"; exit 1; }

export PULUMI_BACKEND_URL="file://$DEMO/state"
export PULUMI_CONFIG_PASSPHRASE="demo-passphrase"
export PULUMI_HOME="$DEMO/home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
unset CHASER_API_KEY CHASER_API_URL CHASER_ACCOUNT PULUMI_ACCESS_TOKEN
run() { # run NAME pulumi-args...: show the output and keep it in .demo/logs/NAME.log
  local name=$1; shift
  echo "\$ pulumi $*"
  pulumi "$@" 2>&1 | tee "$LOGS/$name.log"
  return "${PIPESTATUS[0]}"
}

step "stack and configuration (the key is stored encrypted)"
run 01-stack-init stack init demo --non-interactive
run 02-config config set chaser:apiUrl "$URL"
pulumi config set --secret chaser:apiKey "$KEY"
pulumi config

step "preview"
run 03-preview preview --non-interactive --diff

step "up"
run 04-up up --yes --non-interactive --skip-preview

step "stack outputs (the CI key stays hidden)"
run 05-outputs stack output
echo "(pulumi stack output ciKey --show-secrets would print it)"
curl -s "$URL/v1/workspaces" -H "Authorization: Bearer $KEY" > "$LOGS/workspaces-after-up.json"
echo "chaser-local now holds: $(node -e 'const w=require(process.argv[1]); console.log(w.map(x=>`${x.name}${x.template?" (template)":""}`).join(", "))' "$LOGS/workspaces-after-up.json")"

step "destroy"
run 06-destroy destroy --yes --non-interactive --skip-preview
run 07-stack-rm stack rm demo --yes --non-interactive
left=$(curl -s "$URL/v1/workspaces" -H "Authorization: Bearer $KEY")
echo "workspaces left on the server: $left"

cd "$ROOT"
cleanup
trap - EXIT
step "done in $(( $(date +%s) - t0 )) s; each step's output:"
ls -1 "$LOGS" | sed "s|^|  .demo/logs/|"
