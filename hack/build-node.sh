#!/usr/bin/env bash
# Builds what a real node needs beyond Debian's packages and the Kubernetes binaries
# (hack/build-control-plane.sh builds kubelet and kube-proxy with the control plane):
#   kube-router  its network-policy firewall enforces NetworkPolicies (the one k3s embeds)
#   coredns      cluster DNS, run as a pod behind the kube-dns Service
#   crictl       stops and removes pod sandboxes through CRI on teardown, so CNI cleans up
#   pause        the pod sandbox's process, compiled from the pause.c that ships in the
#                k8s.io/kubernetes module (no registry is reachable, so no pause image to pull)
# All from the Go module proxy at pinned versions (hack/versions.sh), cached outside the
# repository keyed by version; a second run finds them and returns at once. Prints the directory.
set -euo pipefail

source "$(dirname "$0")/versions.sh"

cache="${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}"
bin="$cache/bin/node-kube-router-$KUBE_ROUTER_VERSION-coredns-$COREDNS_VERSION-crictl-$CRICTL_VERSION-k8s-$KUBERNETES_VERSION"
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { printf '[build-node] %s\n' "$*" >&2; }

# True when $bin/$1 exists and `$1 $2` prints version $3 (leading "v" optional).
has_version() {
  [ -x "$bin/$1" ] && "$bin/$1" $2 2>&1 | grep -qF -- "${3#v}"
}

build_kube_router() {
  has_version kube-router --version "$KUBE_ROUTER_VERSION" && return 0
  log "building kube-router $KUBE_ROUTER_VERSION"
  GOBIN="$bin" go install -trimpath \
    -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
}

build_coredns() {
  has_version coredns -version "$COREDNS_VERSION" && return 0
  log "building coredns $COREDNS_VERSION"
  GOBIN="$bin" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_crictl() {
  has_version crictl --version "$CRICTL_VERSION" && return 0
  log "building crictl $CRICTL_VERSION"
  GOBIN="$bin" go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${CRICTL_VERSION#v}" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
}

build_pause() {
  has_version pause -v "$KUBERNETES_VERSION" && return 0
  log "building pause from k8s.io/kubernetes $KUBERNETES_VERSION"
  local dir
  dir=$(cd "$cache" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  gcc -Os -static -Wall -Werror -DVERSION="$KUBERNETES_VERSION" -o "$bin/pause" "$dir/build/pause/linux/pause.c"
  strip "$bin/pause"
}

start=$(date +%s)
build_pause
build_crictl
build_kube_router
build_coredns
log "node binaries ready in $bin ($(( $(date +%s) - start ))s)"
echo "$bin"
