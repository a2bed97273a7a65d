#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kwok) from the Go module proxy, one binary at a time, into a cache outside the repository keyed
# by version. A binary already in the cache is not rebuilt. `toxiproxy` (the TCP fault proxy of the
# fault tests, test/env/toxiproxy.ts) is built the same way on request; it is not in the default set.
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with
# `replace` to local folders, so `go install k8s.io/kubernetes/cmd/...@vX` cannot work. A module
# that requires k8s.io/kubernetes and replaces every staging module with its published v0.N.P does.
#
# Usage: build-controlplane.sh [binary ...]     (default: the five control-plane binaries)
# Env:   HOMEOSTAT_CACHE (default ~/.cache/homeostat), versions below overridable.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
TOXIPROXY_VERSION=${TOXIPROXY_VERSION:-v2.5.0}
CACHE=${HOMEOSTAT_CACHE:-$HOME/.cache/homeostat}

export GOMODCACHE=${GOMODCACHE_OVERRIDE:-$CACHE/go/mod}
export GOCACHE=${GOCACHE_OVERRIDE:-$CACHE/go/build}
export GOFLAGS=-buildvcs=false
export CGO_ENABLED=0
# Two cores: one compile at a time keeps the memory peak of kube-apiserver's link in bounds.
export GOMAXPROCS=${GOMAXPROCS:-2}

bindir() { echo "$CACHE/bin/$1"; }
K8S_BIN=$(bindir "kubernetes-$K8S_VERSION")
ETCD_BIN=$(bindir "etcd-$ETCD_VERSION")
KWOK_BIN=$(bindir "kwok-$KWOK_VERSION")
TOXIPROXY_BIN=$(bindir "toxiproxy-$TOXIPROXY_VERSION")

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

k8s_wrapper() {
  local dir="$CACHE/src/kubernetes-$K8S_VERSION"
  if [ ! -f "$dir/go.sum" ]; then
    log "preparing wrapper module for k8s.io/kubernetes $K8S_VERSION (downloads modules once)"
    rm -rf "$dir" && mkdir -p "$dir"
    local staging=v0.${K8S_VERSION#v1.}
    local gomod
    gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
    {
      echo "module homeostat.local/controlplane"
      echo
      echo "go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//').0"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo
      # every staging module, at the version that matches this Kubernetes release
      grep -E '=> \./staging/src/' "$gomod" | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
    } >"$dir/go.mod"
    cat >"$dir/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
    (cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true; go mod download all >/dev/null 2>&1 || true)
    (cd "$dir" && go get "k8s.io/kubernetes@$K8S_VERSION" && go mod tidy)
  fi
  echo "$dir"
}

k8s_ldflags() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.gitTreeState=clean"
    flags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

build_k8s() {
  local name=$1
  [ -x "$K8S_BIN/$name" ] && { log "$name $K8S_VERSION cached"; return; }
  local dir; dir=$(k8s_wrapper)
  log "building $name $K8S_VERSION (cold: several minutes on 2 cores)"
  mkdir -p "$K8S_BIN"
  (cd "$dir" && go build -trimpath -ldflags "$(k8s_ldflags)" -o "$K8S_BIN/$name.tmp" "k8s.io/kubernetes/cmd/$name")
  mv "$K8S_BIN/$name.tmp" "$K8S_BIN/$name"
  log "built $name"
}

build_etcd() {
  [ -x "$ETCD_BIN/etcd" ] && { log "etcd $ETCD_VERSION cached"; return; }
  local dir="$CACHE/src/etcd-$ETCD_VERSION"
  log "building etcd $ETCD_VERSION"
  rm -rf "$dir" && mkdir -p "$dir" "$ETCD_BIN"
  cat >"$dir/main.go" <<'GO'
// etcd's server module cannot be `go install`ed (it uses replace directives); this wrapper calls
// the same entry point as the upstream binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && go mod init homeostat.local/etcd >/dev/null 2>&1 \
    && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" && go mod tidy \
    && go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN/etcd.tmp" .)
  mv "$ETCD_BIN/etcd.tmp" "$ETCD_BIN/etcd"
  log "built etcd"
}

build_kwok() {
  [ -x "$KWOK_BIN/kwok" ] && { log "kwok $KWOK_VERSION cached"; return; }
  log "building kwok $KWOK_VERSION"
  mkdir -p "$KWOK_BIN"
  GOBIN="$KWOK_BIN" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  log "built kwok"
}

build_toxiproxy() {
  [ -x "$TOXIPROXY_BIN/toxiproxy-server" ] && [ -x "$TOXIPROXY_BIN/toxiproxy-cli" ] \
    && { log "toxiproxy $TOXIPROXY_VERSION cached"; return; }
  log "building toxiproxy $TOXIPROXY_VERSION"
  # `go install` names the binaries after their folders (server, cli): install into a scratch GOBIN
  # and rename them as upstream's releases do
  local gobin="$CACHE/src/toxiproxy-$TOXIPROXY_VERSION-bin"
  rm -rf "$gobin" && mkdir -p "$gobin" "$TOXIPROXY_BIN"
  GOBIN="$gobin" go install -trimpath \
    -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION#v}" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/cli@$TOXIPROXY_VERSION"
  mv "$gobin/cli" "$TOXIPROXY_BIN/toxiproxy-cli"
  mv "$gobin/server" "$TOXIPROXY_BIN/toxiproxy-server"
  rm -rf "$gobin"
  log "built toxiproxy"
}

# One build at a time per cache: a second caller (another `testenv up`, a test run) waits here
# instead of compiling the same binary into the same temporary file.
mkdir -p "$CACHE"
exec 9>"$CACHE/build.lock"
if ! flock -n 9; then
  log "another build is running in this cache; waiting for it"
  flock 9
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
for t in "${targets[@]}"; do
  case "$t" in
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    kube-apiserver|kube-controller-manager|kube-scheduler) build_k8s "$t" ;;
    toxiproxy) build_toxiproxy ;;
    *) echo "unknown binary: $t (expected etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, toxiproxy)" >&2; exit 2 ;;
  esac
done
