# Bulkhead: the human entry points. `make demo` runs the product on this machine; `make test` proves it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export KUBECONFIG ?= $(CURDIR)/.bulkhead/kubeconfig
export SPEC
# NODE=real|kwok|auto, passed on under a name of our own: npm and npx set NODE to node's own path
# in what they run (the e2e suite runs under npx mocha).
export BULKHEAD_NODE_REQUEST := $(NODE)
TSX := node --import tsx


.PHONY: help setup lint format typecheck test test-unit test-integration test-node test-e2e e2e e2e-kind pulumi-preview pulumi-up pulumi-destroy bench bench-api bench-audit bench-probe chaos image cluster-up cluster-down cluster-status demo run run-api

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: ## install what is missing: apt packages, npm packages, control-plane binaries, KMS emulator
	@bash hack/setup.sh

lint: setup ## prettier (the formatter; `make format` writes it), eslint (including the layering rule) and helm lint
	npx prettier --check .
	npx eslint .
	@for chart in charts/*/; do "$$(bash hack/build-control-plane.sh)/helm" lint --quiet "$$chart"; done

format: setup ## format the code with prettier (.prettierrc.json: 140 columns), what make lint checks
	npx prettier --write --log-level warn .

typecheck: setup ## TypeScript, strict
	npx tsc -p tsconfig.json

test-unit: setup ## pure unit tests of builders and logic (SPEC=file[,file] for some)
	BULKHEAD_TEST_SUITE=unit npx mocha --config .mocharc.unit.cjs

test-integration: setup ## integration tests against the real servers, started and stopped by the run (SPEC=file[,file] for some)
	BULKHEAD_TEST_SUITE=integration npx mocha --config .mocharc.integration.cjs

test-node: setup ## a real node (containerd, kubelet, kube-proxy, kube-router, CoreDNS): real pods, packets and NetworkPolicies (root)
	BULKHEAD_TEST_SUITE=node npx mocha --config .mocharc.node.cjs

test-e2e: setup ## the users' journeys (e2e/) against a local platform started for the run
	BULKHEAD_TEST_SUITE=e2e npx mocha --config .mocharc.e2e.cjs

e2e: test-e2e ## the same journeys; set KUBECONFIG, BULKHEAD_API_URL, ... (e2e/support/platform.ts) to run them against your cluster

e2e-kind: ## the journeys on a kind cluster (needs Docker and kind; cannot run on a machine without Docker)
	bash hack/e2e-kind.sh

pulumi-preview: setup ## preview the Pulumi program (pulumi/) against the local environment (make cluster-up first; --diff: ARGS=--diff)
	$(TSX) hack/pulumi/cli.ts preview $(ARGS)

pulumi-up: setup ## install Bulkhead with Pulumi onto the local environment (make cluster-up NODE=real first): the image built here, the same chart
	$(TSX) hack/pulumi/cli.ts up

pulumi-destroy: setup ## remove what make pulumi-up installed (the CRDs stay, as with helm)
	$(TSX) hack/pulumi/cli.ts destroy

bench: setup ## time to Ready for N tenants (operator vs plain script), requests, memory, re-sync (SIZES=1,50,200; TIERS=silo,pooled)
	$(TSX) bench/onboarding.ts

bench-audit: setup ## what the isolation audit costs over N tenants: CLI and periodic, time, peak memory, lease (AUDIT_SIZES=300)
	$(TSX) bench/audit.ts

bench-probe: setup ## how long audit --probe's probes take for 2, 20 and 50 tenants on the real node (PROBE_SIZES, PROBE_CONCURRENCY)
	$(TSX) bench/probe.ts

bench-api: setup ## onboarding API latency under load: GET /v1/tenants/{name} with autocannon
	$(TSX) bench/api.ts

chaos: setup ## faults: kill -9, kube-apiserver and PostgreSQL restarts, KMS outage, leader failover (CHAOS_TENANTS=50)
	$(TSX) bench/chaos.ts

test: ## everything CI runs: lint, typecheck, unit, integration, real-node and e2e tests
	@rm -rf .bulkhead/test-results
	$(MAKE) --no-print-directory lint typecheck test-unit test-integration test-node test-e2e
	@node hack/test-summary.mjs unit integration node e2e

image: setup ## build Bulkhead's image without Docker: .bulkhead/image/*.tar (OCI archive) and its SBOM
	$(TSX) hack/image/build-image.ts

cluster-up: setup ## start the local control plane, PostgreSQL and the KMS emulator on 127.0.0.1 (NODE=real: with a real node)
	$(TSX) testenv/src/cli.ts up

cluster-down: ## stop everything cluster-up started
	@if [ -d node_modules ]; then $(TSX) testenv/src/cli.ts down; fi

cluster-status: ## show the processes of the local environment
	$(TSX) testenv/src/cli.ts status

demo: setup ## run Bulkhead on this machine (ONCE=1: stop everything after the tenants are Ready)
	$(TSX) hack/demo.ts

run: ## run the operator against $$KUBECONFIG (default .bulkhead/kubeconfig)
	node operator/bin/bulkhead.js operator

run-api: ## run the onboarding API against $$KUBECONFIG on 127.0.0.1:8080 (needs BULKHEAD_AUDIT_TRAIL_URL, see docs/api.md)
	node operator/bin/bulkhead.js api
