#!/usr/bin/env bash
# Build everything tsdock runs from: TypeScript → dist/, static protobuf code, the C monitor, and
# oclif's manifest (so dispatch reads one JSON file instead of requiring every command).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
# Static protobuf code (encoders/decoders as plain functions) rather than a descriptor that protobufjs
# turns into code with new Function() on every run: plain code is what the V8 code cache can keep.
npx pbjs -t static-module -w commonjs --keep-case --no-verify --no-delimited --no-beautify --no-comments \
  --no-service --no-typeurl -p protos protos/*.proto -o src/runtime/containerd/protos.gen.cjs
node scripts/lazy-protos.mjs src/runtime/containerd/protos.gen.cjs
npx tsc -p tsconfig.json
cp src/runtime/containerd/protos.gen.cjs dist/runtime/containerd/
if [ -f native/tsdock-mon.c ]; then
  cc -O2 -Wall -Wextra -o dist/tsdock-mon native/tsdock-mon.c
fi
node scripts/manifest.mjs
node scripts/bundle.mjs
