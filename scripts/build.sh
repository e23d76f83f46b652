#!/usr/bin/env bash
# Build everything tsdock runs from: TypeScript for protos/ (buf.gen.yaml), TypeScript → dist/,
# the C monitor, oclif's manifest (so dispatch reads one JSON file instead of requiring every
# command), and the bundle bin/tsdock starts from (scripts/bundle.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx buf generate
npx tsc -p tsconfig.json
if [ -f native/tsdock-mon.c ]; then
  cc -O2 -Wall -Wextra -o dist/tsdock-mon native/tsdock-mon.c
fi
node scripts/manifest.mjs
node scripts/bundle.mjs
