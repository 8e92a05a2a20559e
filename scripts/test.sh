#!/usr/bin/env bash
# The full test suite: builds (end-to-end tests run the compiled server), then vitest.
#
# Tests that need Redis (the shared rate limits) run against a real one: a
# throwaway redis-server on a free 127.0.0.1 port, without persistence, stopped
# when this script exits. It is installed with apt when missing and we are root
# (CI). A REDIS_URL already set by the caller is used as it is. Without any
# Redis those tests are reported as skipped, with the reason, never as passed.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "node $(node --version)"

redis_pid=""
redis_dir=""
stop_redis() {
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  if [[ -n "$redis_dir" ]]; then rm -rf "$redis_dir"; fi
}
trap stop_redis EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_redis() {
  if ! command -v redis-server >/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
      echo "redis-server: not found; installing it with apt-get"
      if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } >/dev/null 2>&1; then
        echo "redis-server: apt-get install failed"
        return 1
      fi
    else
      echo "redis-server: not found, and cannot install it (needs root and apt-get)"
      return 1
    fi
  fi
  local port
  port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
  redis_dir="$(mktemp -d)"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no \
    --dir "$redis_dir" --logfile "$redis_dir/redis.log" &
  redis_pid=$!
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      export REDIS_URL="redis://127.0.0.1:$port"
      echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'): $REDIS_URL (pid $redis_pid)"
      return 0
    fi
    if ! kill -0 "$redis_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "redis-server: did not start; its log:"
  cat "$redis_dir/redis.log" 2>/dev/null || true
  return 1
}

if [[ -n "${REDIS_URL:-}" ]]; then
  echo "redis: using REDIS_URL from the environment ($(sed -E 's#//[^@/]*@#//***@#' <<<"$REDIS_URL"))"
elif ! start_redis; then
  stop_redis
  redis_pid=""
  redis_dir=""
  echo "redis: NOT AVAILABLE; REDIS_URL is unset and the tests that need Redis will be reported as skipped"
fi

# the web console's browser tests drive the system Chromium (tests/e2e/console.e2e.test.ts); they fail without it
if [[ -z "${CHROMIUM_PATH:-}" ]] && ! command -v chromium >/dev/null; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "chromium: not found; installing it with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 || echo "chromium: apt-get install failed"
  else
    echo "chromium: not found, and cannot install it (needs root): apt-get install -y chromium; the console tests will fail"
  fi
fi

npm run build
npm run typecheck
npx vitest run "$@"
