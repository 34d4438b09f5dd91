#!/usr/bin/env bash
# Runs a TypeScript entry point with the project's Node 24 (installed on first use): the npm scripts
# go through here so that `npm run drill` works on a machine whose own node is older.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ensure-node.sh" >&2
exec node "$@"
