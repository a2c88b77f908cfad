#!/usr/bin/env bash
# make pulumi-preview: `pulumi preview` of this program against the local control plane
# (`make cluster-up`), with a file backend under .bulkhead/pulumi (no Pulumi Cloud account; nothing
# leaves the machine). The stack `local-preview` is Pulumi.local.yaml with the local PostgreSQL and
# KMS emulator filled in from .bulkhead/environment.json; its passwords are set as encrypted secrets
# with a passphrase generated once into .bulkhead/pulumi/passphrase. Extra arguments go to
# `pulumi preview` (for example --diff).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="${BULKHEAD_STATE_DIR:-$root/.bulkhead}"
stack=local-preview

if ! command -v pulumi >/dev/null 2>&1; then
  echo "pulumi CLI not found on PATH: install it from https://www.pulumi.com/docs/install/ to preview; the unit tests in pulumi/test run without it" >&2
  exit 2
fi
environment="$state_dir/environment.json"
if [[ ! -f "$state_dir/kubeconfig" || ! -f "$environment" ]]; then
  echo "no local cluster: $state_dir/kubeconfig or $environment is missing (run make cluster-up first)" >&2
  exit 1
fi

mkdir -p "$state_dir/pulumi/state"
chmod 700 "$state_dir/pulumi"
passphrase="$state_dir/pulumi/passphrase"
if [[ ! -s "$passphrase" ]]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > "$passphrase")
fi
export PULUMI_BACKEND_URL="file://$state_dir/pulumi/state"
export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase"
export PULUMI_SKIP_UPDATE_CHECK=true
# The program never reads it (bulkhead:kubeconfig is explicit); set so a stray kubectl agrees.
export KUBECONFIG="$state_dir/kubeconfig"

# One field of environment.json (written by testenv: postgres.{host,port,user,password,url}, kms.endpoint).
field() { node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = process.argv[2].split(".").reduce((o, k) => o?.[k], e); if (v === undefined) { console.error(`${process.argv[1]}: no ${process.argv[2]}`); process.exit(1); } process.stdout.write(String(v))' "$environment" "$1"; }

cd "$root/pulumi"
# Start from the example each time, keeping the stack's encryption salt (written on its creation).
salt="$(grep '^encryptionsalt:' "Pulumi.$stack.yaml" 2>/dev/null || true)"
{ [[ -z "$salt" ]] || echo "$salt"; cat Pulumi.local.yaml; } > "Pulumi.$stack.yaml.new"
mv "Pulumi.$stack.yaml.new" "Pulumi.$stack.yaml"
pulumi stack select --create --non-interactive "$stack" >/dev/null
set_config() { pulumi config set --stack "$stack" --non-interactive --path "$@" >/dev/null; }
set_config bulkhead:kubeconfig "$state_dir/kubeconfig"
set_config 'bulkhead:regions.eu-central-1.database.host' "$(field postgres.host)"
set_config 'bulkhead:regions.eu-central-1.database.port' "$(field postgres.port)"
set_config 'bulkhead:regions.eu-central-1.database.username' "$(field postgres.user)"
set_config 'bulkhead:regions.eu-central-1.kms.endpoint' "$(field kms.endpoint)"
# Secrets on stdin, so they never appear in a process listing.
field postgres.password | set_config 'bulkhead:regions.eu-central-1.database.password' --secret
printf demo | set_config 'bulkhead:regions.eu-central-1.kms.secretAccessKey' --secret
field postgres.url | set_config bulkhead:apiAuditTrailUrl --secret

exec pulumi preview --stack "$stack" --non-interactive "$@"
