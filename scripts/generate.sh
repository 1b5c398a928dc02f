#!/bin/sh
# Generates the Prisma client and the Pothos Prisma types; runs from `npm ci` (prepare) and needs no network.
# The Prisma CLI wants to locate a schema engine even though generation never uses it: point it at a
# stand-in that fails loudly if anything ever invokes it.
set -e
cd "$(dirname "$0")/.."
PRISMA_SCHEMA_ENGINE_BINARY="$PWD/scripts/schema-engine-unavailable.sh" \
PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 \
  npx --no-install prisma generate
