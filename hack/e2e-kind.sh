#!/usr/bin/env bash
# make e2e-kind: the same journeys as `make e2e` (e2e/*.spec.ts), on a kind cluster with Bulkhead
# installed from charts/bulkhead and the image built from the Dockerfile, PostgreSQL and moto's KMS
# server running as containers beside the cluster.
#
# UNTESTED: the machine Bulkhead is developed on has no Docker engine, so this script has never
# run. It is the procedure we would follow, written down so that someone with Docker can try it;
# expect to fix details. See docs/install.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/versions.sh

for tool in docker kind helm kubectl; do
  command -v "$tool" >/dev/null || { echo "e2e-kind: $tool is not on PATH (this target needs Docker, kind, helm and kubectl)" >&2; exit 2; }
done
docker info >/dev/null 2>&1 || { echo "e2e-kind: no Docker engine is reachable" >&2; exit 2; }

cluster=bulkhead-e2e
namespace=bulkhead-system
state=.bulkhead/e2e-kind
mkdir -p "$state"
export KUBECONFIG="$PWD/$state/kubeconfig"

if ! kind get clusters | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" --image "${KIND_NODE_IMAGE:-kindest/node:$KUBERNETES_VERSION}" --wait 120s
fi

docker build -t bulkhead:e2e .
kind load docker-image bulkhead:e2e --name "$cluster"

# Backing services on kind's Docker network, reachable from the pods by container name and from
# this machine through published ports on 127.0.0.1.
pg_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
docker rm -f bulkhead-e2e-postgres bulkhead-e2e-kms >/dev/null 2>&1 || true
docker run -d --name bulkhead-e2e-postgres --network kind -p 127.0.0.1:55432:5432 \
  -e POSTGRES_PASSWORD="$pg_password" postgres:15 >/dev/null
docker run -d --name bulkhead-e2e-kms --network kind -p 127.0.0.1:55000:5000 "motoserver/moto:$MOTO_VERSION" >/dev/null

kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic postgres-admin --from-literal=username=postgres \
  --from-literal=password="$pg_password" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic kms-credentials --from-literal=accessKeyId=testing \
  --from-literal=secretAccessKey=testing --dry-run=client -o yaml | kubectl apply -f -
[ -f "$state/signing/audit.key" ] || node --import tsx operator/src/cli/main.ts audit keygen --out "$state/signing" --name audit >/dev/null
kubectl -n "$namespace" create secret generic bulkhead-audit-signing-key \
  --from-file=private.pem="$state/signing/audit.key" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" create secret generic bulkhead-api-audit-trail \
  --from-literal=url="postgres://postgres:$pg_password@bulkhead-e2e-postgres:5432/postgres" --dry-run=client -o yaml | kubectl apply -f -

cat > "$state/values.yaml" <<EOF
image: { repository: bulkhead, tag: e2e, pullPolicy: Never }
operator:
  config:
    regions:
      eu-central-1:
        database: { host: bulkhead-e2e-postgres, port: 5432, adminSecret: { namespace: $namespace, name: postgres-admin } }
        kms: { accountId: "123456789012", endpoint: "http://bulkhead-e2e-kms:5000", credentialsSecret: { namespace: $namespace, name: kms-credentials } }
    audit: { initialDelaySeconds: 5, intervalSeconds: 60, signingKeySecret: { namespace: $namespace, name: bulkhead-audit-signing-key } }
EOF
helm upgrade --install bulkhead charts/bulkhead -n "$namespace" -f "$state/values.yaml" --wait --timeout 5m
kubectl apply --server-side -f crds/examples/plans

kubectl -n "$namespace" port-forward svc/bulkhead-api 18080:80 >"$state/port-forward.log" 2>&1 &
forward=$!
trap 'kill $forward 2>/dev/null || true' EXIT
sleep 3

token() { node --import tsx operator/src/cli/main.ts token create --role "$1" --name "e2e-kind-$1-$(date +%s)" | tail -1; }
# The operator's configuration as seen from this machine, for `bulkhead audit` in the journeys.
cat > "$state/operator.yaml" <<EOF
namespace: $namespace
regions:
  eu-central-1:
    database: { host: 127.0.0.1, port: 55432, adminSecret: { namespace: $namespace, name: postgres-admin } }
    kms: { accountId: "123456789012", endpoint: "http://127.0.0.1:55000", credentialsSecret: { namespace: $namespace, name: kms-credentials } }
audit: { signingKeySecret: { namespace: $namespace, name: bulkhead-audit-signing-key } }
EOF

BULKHEAD_API_URL=http://127.0.0.1:18080 \
BULKHEAD_API_TOKEN=$(token platform-admin) \
BULKHEAD_SALES_TOKEN=$(token sales-ops) \
BULKHEAD_AUDITOR_TOKEN=$(token auditor) \
BULKHEAD_CONFIG="$PWD/$state/operator.yaml" \
BULKHEAD_AUDIT_PUBLIC_KEY="$PWD/$state/signing/audit.pub.pem" \
BULKHEAD_TEST_SUITE=e2e-kind npx mocha --config .mocharc.e2e.cjs
