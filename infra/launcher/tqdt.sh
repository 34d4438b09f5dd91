#!/usr/bin/env bash
# The project's one command line: `npm run <command>` calls this file. Bash does one thing here,
# provide Node 24 and the node_modules (ensure-node.sh), so that a fresh machine whose own node is
# old or missing works; every command is infra/launcher/tqdt-cli.ts (`help` lists them).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Its progress goes to stderr: `env`'s stdout is read by programs.
source "$here/ensure-node.sh" >&2
exec node "$here/tqdt-cli.ts" "$@"
