#!/usr/bin/env bash
# Build everything tsdock runs from: TypeScript → dist/, protobuf descriptor, the C monitor, and
# oclif's manifest (so dispatch reads one JSON file instead of requiring every command).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx tsc -p tsconfig.json
if compgen -G "protos/*.proto" >/dev/null; then
  # A precompiled JSON descriptor: nothing parses .proto text when tsdock starts.
  npx pbjs -t json --keep-case -p protos protos/*.proto -o dist/protos.json
fi
if [ -f native/tsdock-mon.c ]; then
  cc -O2 -Wall -Wextra -o dist/tsdock-mon native/tsdock-mon.c
fi
node scripts/manifest.mjs
node scripts/bundle.mjs
