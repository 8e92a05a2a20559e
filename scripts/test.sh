#!/usr/bin/env bash
# The full test suite: builds (end-to-end tests run the compiled server), then vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "node $(node --version)"
npm run build
npm run typecheck
npx vitest run "$@"
