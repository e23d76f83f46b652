#!/usr/bin/env bash
# The one test command (`npm test`): build, static checks, unit tests, then the integration suite,
# which starts its own private containerd and leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build
npx tsc -p tsconfig.test.json
npx eslint src test
# The layering (docs/architecture.md): no import cycles, nothing imports upwards.
npx depcruise src --config .dependency-cruiser.cjs
npx prettier --check src test >/dev/null || { npx prettier --list-different src test; echo "prettier: files above need formatting (npm run format)" >&2; exit 1; }
npx mocha 'test/unit/**/*.test.ts'
if [ "$(id -u)" = 0 ]; then
  npx mocha --timeout 60000 --slow 5000 'test/integration/**/*.test.ts'
else
  echo "integration tests need root (containerd, runc, namespaces, iptables): skipped" >&2
  exit 1
fi
