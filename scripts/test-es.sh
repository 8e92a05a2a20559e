#!/usr/bin/env bash
# npm run test:es: the whole conformance suite and the end-to-end tests against a real
# Elasticsearch, never the emulator.
#
# - ELASTICSEARCH_URL set: that cluster is used as it is (credentials: ELASTICSEARCH_API_KEY,
#   or ELASTICSEARCH_USERNAME / ELASTICSEARCH_PASSWORD; ELASTICSEARCH_CA_FILE). Only indices,
#   templates and scripts named agent-ledger-e2e-* and conformance-* are created, and they
#   are deleted at the end.
# - else, with Docker (and its compose plugin): the `elasticsearch` service of
#   deploy/docker-compose.yml is started alone on a free 127.0.0.1 port, and removed with
#   its volume at the end.
# - else: it says so and exits 2. Nothing is reported as passed without a cluster.
#
# Each test server gets its own index prefix (tests/helpers/server-process.ts), each
# conformance store its own conformance-<random> prefix. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

project=""
reached=""
cleanup() {
  local status=$?
  if [[ -n "$reached" && -z "$project" ]]; then
    node scripts/elasticsearch-test-cluster.mjs clean || echo "elasticsearch: cleaning the test indices failed; delete agent-ledger-e2e-* and conformance-* by hand"
  fi
  if [[ -n "$project" ]]; then
    echo "elasticsearch: removing the container ($project)"
    docker compose -f deploy/docker-compose.yml -p "$project" down -v >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

docker_usable() {
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1
}

if [[ -n "${ELASTICSEARCH_URL:-}" ]]; then
  echo "elasticsearch: using ELASTICSEARCH_URL from the environment ($(sed -E 's#//[^@/]*@#//***@#' <<<"$ELASTICSEARCH_URL"))"
elif docker_usable; then
  port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  project="agent-ledger-test-$$"
  echo "elasticsearch: starting deploy/docker-compose.yml's elasticsearch service on 127.0.0.1:$port ($project)"
  # the compose file requires these for the ledger roles, which are not started here
  AGENT_LEDGER_BOOTSTRAP_KEY=unused-by-the-elasticsearch-service AGENT_LEDGER_AUTH_KEY_PEPPER=unused-by-the-elasticsearch-service \
    ELASTICSEARCH_PORT="$port" docker compose -f deploy/docker-compose.yml -p "$project" up -d elasticsearch
  export ELASTICSEARCH_URL="http://127.0.0.1:$port"
else
  echo "elasticsearch: NOT AVAILABLE. ELASTICSEARCH_URL is not set and Docker (with 'docker compose') is not usable here," >&2
  echo "so no Elasticsearch can be started and nothing was tested against one. Set ELASTICSEARCH_URL to a 9.x cluster" >&2
  echo "(e.g. docker compose -f deploy/docker-compose.yml up -d elasticsearch, then ELASTICSEARCH_URL=http://127.0.0.1:9200)." >&2
  exit 2
fi

node scripts/elasticsearch-test-cluster.mjs wait
reached=1

# the test servers read the store's credentials from their own keys
export AGENT_LEDGER_ELASTICSEARCH_API_KEY="${AGENT_LEDGER_ELASTICSEARCH_API_KEY:-${ELASTICSEARCH_API_KEY:-}}"
export AGENT_LEDGER_ELASTICSEARCH_USERNAME="${AGENT_LEDGER_ELASTICSEARCH_USERNAME:-${ELASTICSEARCH_USERNAME:-}}"
export AGENT_LEDGER_ELASTICSEARCH_PASSWORD="${AGENT_LEDGER_ELASTICSEARCH_PASSWORD:-${ELASTICSEARCH_PASSWORD:-}}"
export AGENT_LEDGER_ELASTICSEARCH_CA_FILE="${AGENT_LEDGER_ELASTICSEARCH_CA_FILE:-${ELASTICSEARCH_CA_FILE:-}}"
for v in AGENT_LEDGER_ELASTICSEARCH_API_KEY AGENT_LEDGER_ELASTICSEARCH_USERNAME AGENT_LEDGER_ELASTICSEARCH_PASSWORD AGENT_LEDGER_ELASTICSEARCH_CA_FILE; do
  if [[ -z "${!v}" ]]; then unset "$v"; fi
done

npm run build
npx vitest run tests/conformance tests/e2e "$@"
