#!/usr/bin/env bash
# Installs everything Bulkhead's tests and demo need on a fresh machine, and nothing twice:
# Debian packages (PostgreSQL, openssl, and the real node's containerd, runc, CNI plugins,
# iptables, ipset, busybox), the npm workspaces, the control-plane, node and Pulumi binaries built
# from the Go module proxy, promtool, and the KMS emulator. Each step is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

apt_missing=()
command -v openssl >/dev/null || apt_missing+=(openssl)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null || apt_missing+=(postgresql)
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_missing+=(python3-venv)
command -v chromium >/dev/null || apt_missing+=(chromium)  # renders the audit report in headless tests
# The real node (testenv/src/node): Debian's containerd 1.6 (kubelet 1.36 accepts its CRI v1), runc,
# the CNI plugins, iptables (nf_tables backend) and ipset for kube-proxy and kube-router, busybox
# for the probe image and the external hosts.
for pkg in containerd:/usr/bin/containerd runc:/usr/sbin/runc containernetworking-plugins:/usr/lib/cni/ptp \
           iptables:/usr/sbin/iptables ipset:/usr/sbin/ipset conntrack:/usr/sbin/conntrack busybox-static:/bin/busybox; do
  [ -x "${pkg#*:}" ] || apt_missing+=("${pkg%%:*}")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash hack/build-control-plane.sh >/dev/null
# The Gateway API's CRDs, which the admission specs install from the module (testenv/src/gateway-api.ts).
(source hack/versions.sh && cd / && GOFLAGS=-mod=mod go mod download "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
bash hack/build-node.sh >/dev/null
# Pulumi's CLI and Kubernetes provider, for make pulumi-up and e2e/pulumi.spec.ts (cold: about 15
# minutes on two idle cores, docs/decisions/0019-pulumi-built-from-source.md).
bash hack/build-pulumi.sh >/dev/null
bash hack/install-kms-emulator.sh >/dev/null
# promtool, for the chart's alerting rules (operator/test/chart/monitoring-*.spec.ts).
bash hack/build-promtool.sh >/dev/null
log "ready"
