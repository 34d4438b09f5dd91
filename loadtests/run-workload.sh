#!/usr/bin/env bash
# Runs the officer workload against the local cluster with a shared profile:
#
#   bash loadtests/run-workload.sh smoke|average|spike|soak [extra k6 args]
#
# Builds k6 if needed, signs officer tokens with the cluster's JWT secret, writes the journal of
# every request and acknowledged write to .run/k6/<run>/journal.jsonl and k6's summary beside it.
# Check the acknowledged writes afterwards with:
#   node chaos/verify/check-journal.ts .run/k6/<run>/journal.jsonl
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
PROFILE="${1:-smoke}"
[ $# -gt 0 ] && shift
source infra/launcher/ensure-node.sh
K6="$(bash infra/launcher/ensure-k6.sh)"
RUN_DIR=".run/k6/$(date -u +%Y%m%dT%H%M%SZ)-$PROFILE"
mkdir -p "$RUN_DIR"
node chaos/load/officer-tokens.ts >"$RUN_DIR/officers.json"
echo "run-workload: profile $PROFILE, journal $RUN_DIR/journal.jsonl"
PROFILE="$PROFILE" OFFICERS_FILE="$REPO_ROOT/$RUN_DIR/officers.json" \
  "$K6" run --console-output="$RUN_DIR/journal.jsonl" --log-format=raw \
  --summary-export="$RUN_DIR/summary.json" "$@" loadtests/officer-workload.js
