#!/usr/bin/env bash
# Builds promtool (Prometheus' rule checker and rule unit-test runner) from the Go module proxy and
# caches it outside the repository, keyed by version, like hack/build-control-plane.sh. Prints the
# binary's path. The chart specs run `promtool check rules` and `promtool test rules` with it
# (operator/test/chart/monitoring-*.spec.ts). Cold build: about 7 CPU-minutes (29 minutes of wall
# time on two cores shared with a dozen other builds); a cached run returns in well under a second.
set -euo pipefail

source "$(dirname "$0")/versions.sh"

cache="${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}"
bin="$cache/bin/promtool-$PROMETHEUS_VERSION"
mkdir -p "$bin"

if ! "$bin/promtool" --version 2>/dev/null | grep -qF "version ${PROMETHEUS_VERSION#v} "; then
  printf '[build-promtool] building promtool %s\n' "$PROMETHEUS_VERSION" >&2
  (cd "$cache" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOBIN="$bin" go install -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION")
fi
echo "$bin/promtool"
