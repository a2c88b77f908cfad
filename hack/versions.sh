# Pinned versions of every binary the local control plane uses. Changing one changes the cache key.
KUBERNETES_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
MOTO_VERSION=5.2.5
SCHEMATHESIS_VERSION=4.32.5
GATEWAY_API_VERSION=v1.4.1
# The real node (hack/build-node.sh): kubelet and kube-proxy come with KUBERNETES_VERSION;
# containerd, runc and the CNI plugins are Debian's packages (hack/setup.sh).
KUBE_ROUTER_VERSION=v2.1.0
COREDNS_VERSION=v1.15.0
CRICTL_VERSION=v1.37.0
# Pulumi (hack/build-pulumi.sh): the CLI and engine, and the Kubernetes provider plugin. The
# provider has no tagged release for Go modules; this pseudo-version is its newest commit served.
PULUMI_VERSION=v3.277.0
PULUMI_KUBERNETES_PROVIDER_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# promtool (hack/build-promtool.sh), which checks and unit-tests the chart's alerting rules. The
# Prometheus module versions v3.X.Y as v0.3XX.Y (its v3 tags are not a Go major version).
PROMETHEUS_VERSION=v0.316.0
