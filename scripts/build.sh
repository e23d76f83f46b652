#!/usr/bin/env bash
# Build everything tsdock runs from: TypeScript for protos/ (buf.gen.yaml), TypeScript → dist/,
# the C monitor, oclif's manifest (so dispatch reads one JSON file instead of requiring every
# command), and the bundle bin/tsdock starts from (scripts/bundle.mjs). Also the tests' CRI client
# (buf.gen.cri.yaml, into test/harness/gen/: not part of tsdock).
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm i -g` in a fresh clone links the checkout and runs `prepare` (this script) without installing
# its dependencies: install them first (without lifecycle scripts: this package's would run this script again).
# npm's settings for that global install are in the environment: this checkout's own tools are meant.
export npm_config_global=false npm_config_location=project npm_config_prefix="$PWD"
if [ ! -x node_modules/.bin/tsc ]; then
  echo "build: installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --ignore-scripts
fi
rm -rf dist
npx buf generate
npx buf generate --template buf.gen.cri.yaml
node scripts/compose-schema.mjs
npx tsc -p tsconfig.json
# The SDK's type declarations (package.json's types), for it and what its signatures name.
npx tsc -p tsconfig.sdk.json
cp src/runtime/compose/schema.gen.cjs dist/runtime/compose/
if [ -f native/tsdock-mon.c ]; then
  cc -O2 -Wall -Wextra -o dist/tsdock-mon native/tsdock-mon.c
fi
# kube play's pause image holds this one static binary (no libc in the image to link against).
cc -static -Os -s -Wall -Wextra -o dist/tsdock-pause native/tsdock-pause.c
node scripts/manifest.mjs
node scripts/bundle.mjs
