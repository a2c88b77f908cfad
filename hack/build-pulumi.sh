#!/usr/bin/env bash
# Builds Pulumi's CLI (the engine, `pulumi`) and its Kubernetes provider plugin
# (`pulumi-resource-kubernetes`) from the Go module proxy, and caches them outside the repository,
# keyed by version, like hack/build-control-plane.sh. Prints the directory that holds them; put it
# on PATH and `pulumi` finds the provider there instead of downloading one.
#
# Neither can be `go install`ed directly: pkg/v3's go.mod replaces the SDK with ../sdk, and the
# provider's replaces its Go SDK with ../sdk and embeds a schema file its release build generates.
# Each is built in a throwaway wrapper module that requires the release and names published
# versions for those replaces. The Node.js language host (pulumi-language-nodejs) is not served by
# the module proxy at all; Bulkhead runs its program through the Node.js SDK's own language runtime
# instead (hack/pulumi/engine.ts, docs/decisions/0019-pulumi-built-from-source.md).
set -euo pipefail

source "$(dirname "$0")/versions.sh"

cache="${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}"
# bin/ inside an install root, as the Automation API expects (PulumiCommand.get({ root })).
bin="$cache/bin/pulumi-$PULUMI_VERSION-kubernetes-$PULUMI_KUBERNETES_PROVIDER_VERSION/bin"
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod"

log() { printf '[build-pulumi] %s\n' "$*" >&2; }

# The provider's version as it reports it: the pseudo-version without its "v".
provider_version=${PULUMI_KUBERNETES_PROVIDER_VERSION#v}

# Field $3 (Dir, GoMod) of module $1 at version $2 in the module cache, downloading it if needed.
module_field() {
  (cd "$cache" && go mod download -json "$1@$2" | sed -n "s/.*\"$3\": \"\(.*\)\",/\1/p")
}

# A wrapper module in $1 requiring $2@$3, with each replace of that module's go.mod rewritten:
# a local one ("=> ../sdk") to the published module at the version the go.mod requires it at, any
# other copied as it is (replaces only apply in the main module).
wrapper_module() {
  local dir=$1 module=$2 version=$3 gomod
  gomod=$(module_field "$module" "$version" GoMod)
  mkdir -p "$dir"
  {
    echo "module bulkhead.local/build"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//')"
    echo
    echo "require $module $version"
    echo
    sed -n 's/^replace \(.*\)$/\1/p' "$gomod" | while read -r from _ to to_version; do
      if [[ $to == .* ]]; then
        echo "replace $from => $from $(awk -v m="$from" '$1 == m {print $2; exit}' "$gomod")"
      else
        echo "replace $from => $to $to_version"
      fi
    done
  } > "$dir/go.mod"
}

build_cli() {
  if [ -x "$bin/pulumi" ] && "$bin/pulumi" version 2>/dev/null | grep -qxF "$PULUMI_VERSION"; then return 0; fi
  log "building pulumi $PULUMI_VERSION (cold build of both binaries: about 15 minutes on 2 idle cores, decision 0019)"
  local dir="$cache/work/pulumi-$PULUMI_VERSION"
  wrapper_module "$dir" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION"
  # pkg/v3 requires the SDK at an older version and replaces it with the tree beside it: the
  # release's own SDK is the one it was tested with.
  sed -i "s|^replace github.com/pulumi/pulumi/sdk/v3 => .*|replace github.com/pulumi/pulumi/sdk/v3 => github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION|" "$dir/go.mod"
  (cd "$dir" && go build -trimpath -o "$bin/pulumi" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

build_kubernetes_provider() {
  if [ -x "$bin/pulumi-resource-kubernetes" ] && [ "$(cat "$bin/pulumi-resource-kubernetes.version" 2>/dev/null)" = "$provider_version" ]; then return 0; fi
  log "building pulumi-resource-kubernetes $PULUMI_KUBERNETES_PROVIDER_VERSION"
  local module=github.com/pulumi/pulumi-kubernetes/provider/v4
  local dir="$cache/work/pulumi-kubernetes-$PULUMI_KUBERNETES_PROVIDER_VERSION"
  wrapper_module "$dir" "$module" "$PULUMI_KUBERNETES_PROVIDER_VERSION"
  # The command embeds schema-embed.json, which its release build generates from schema.json
  # (go generate): build a copy of the command inside the wrapper module, generated the same way.
  local src
  src="$(module_field "$module" "$PULUMI_KUBERNETES_PROVIDER_VERSION" Dir)/cmd/pulumi-resource-kubernetes"
  rm -rf "$dir/cmd" && mkdir -p "$dir/cmd" && cp -r "$src" "$dir/cmd/" && chmod -R u+w "$dir/cmd"
  (cd "$dir/cmd/pulumi-resource-kubernetes" && VERSION="$provider_version" go run generate.go)
  (cd "$dir" && go build -trimpath -o "$bin/pulumi-resource-kubernetes" \
    -ldflags "-s -w -X $module/pkg/version.Version=$provider_version" ./cmd/pulumi-resource-kubernetes)
  echo "$provider_version" > "$bin/pulumi-resource-kubernetes.version"
}

start=$(date +%s)
build_cli
build_kubernetes_provider
log "binaries ready in $bin ($(( $(date +%s) - start ))s)"
echo "$bin"
