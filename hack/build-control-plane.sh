#!/usr/bin/env bash
# Builds the real Kubernetes control-plane binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, and the node's kubelet and kube-proxy), etcd, KWOK and helm from the Go module proxy, and caches them outside
# the repository, keyed by version. A second run finds every binary with the right version and
# returns in well under a second.
#
# k8s.io/kubernetes cannot be `go install`ed directly: its go.mod replaces every staging module
# with ./staging. We build through a throwaway wrapper module that requires the release and
# replaces each staging module with its published v0.X.Y, reading that list from the release's
# own go.mod (kubernetes/kubernetes#79384). etcd's server module has replaces too, so it gets the
# same treatment.
set -euo pipefail

source "$(dirname "$0")/versions.sh"

cache="${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}"
bin="$cache/bin/k8s-$KUBERNETES_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-helm-$HELM_VERSION"
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { printf '[build-control-plane] %s\n' "$*" >&2; }

# True when $bin/$1 exists and reports version $2 (leading "v" optional).
has_version() {
  local out
  [ -x "$bin/$1" ] || return 1
  case "$1" in
    kubectl) out=$("$bin/kubectl" version --client 2>/dev/null) ;;
    helm) out=$("$bin/helm" version --short 2>/dev/null) ;;
    *) out=$("$bin/$1" --version 2>/dev/null) ;;
  esac
  grep -qF -- "${2#v}" <<<"$out"
}

# Writes a wrapper module in $1 that requires module $2@$3 and replaces every local ("./...")
# replace of that module's go.mod with the published module at version $4.
wrapper_module() {
  local dir=$1 module=$2 version=$3 staging_version=$4
  mkdir -p "$dir"
  local gomod
  gomod=$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  {
    echo "module bulkhead.local/build"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//')"
    echo
    echo "require $module $version"
    echo
    # Block-form replaces pointing at a sibling directory ("=> ./staging/..." or "=> ../api").
    grep -E '^\s+[^ ]+ => \.\.?/' "$gomod" | grep -v FORBIDDEN |
      awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } > "$dir/go.mod"
}

build_kubernetes() {
  local missing=()
  # kubelet and kube-proxy belong to the real node (hack/build-node.sh) but come from the same
  # module: building them in the same `go build` shares almost every package with the others.
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    has_version "$b" "$KUBERNETES_VERSION" || missing+=("$b")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "building ${missing[*]} $KUBERNETES_VERSION (cold build: about 6 minutes on 2 cores, 10 with etcd, KWOK and helm)"
  local dir="$cache/work/kubernetes-$KUBERNETES_VERSION"
  local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  wrapper_module "$dir" k8s.io/kubernetes "$KUBERNETES_VERSION" "v0.${KUBERNETES_VERSION#v1.}"
  local pkgs=()
  for b in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  local ldflags=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$dir" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w$ldflags" -o "$bin/" "${pkgs[@]}")
}

build_etcd() {
  has_version etcd "$ETCD_VERSION" && return 0
  log "building etcd $ETCD_VERSION"
  local dir="$cache/work/etcd-$ETCD_VERSION"
  wrapper_module "$dir" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "$ETCD_VERSION"
  (cd "$dir" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  has_version kwok "$KWOK_VERSION" && [ -s "$bin/kwok-stages.yaml" ] && return 0
  log "building kwok $KWOK_VERSION"
  GOBIN="$bin" go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  # The stages kwokctl uses by default: nodes become Ready and keep a lease-based heartbeat (so
  # the node lifecycle controller never evicts), pods become Running and Ready once scheduled.
  local src
  src=$(cd "$cache" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')/kustomize/stage
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
               pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    echo "---"
    cat "$src/$stage.yaml"
  done > "$bin/kwok-stages.yaml"
}

build_helm() {
  has_version helm "$HELM_VERSION" && return 0
  log "building helm $HELM_VERSION"
  # Like helm's Makefile: the default Kubernetes version for `helm template` and `helm lint`
  # follows the client-go minor helm is built with (otherwise it says v1.20.0).
  local gomod client_go major minor
  gomod=$(cd "$cache" && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  client_go=$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod")
  major=$(( $(cut -d. -f1 <<<"${client_go#v}") + 1 ))
  minor=$(cut -d. -f2 <<<"$client_go")
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X $p.k8sVersionMajor=$major -X $p.k8sVersionMinor=$minor"
  done
  GOBIN="$bin" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

start=$(date +%s)
build_etcd
build_kwok
build_helm
build_kubernetes
log "binaries ready in $bin ($(( $(date +%s) - start ))s)"
echo "$bin"
