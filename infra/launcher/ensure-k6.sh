#!/usr/bin/env bash
# Builds the real k6 (pinned) with `go install` into a cache folder outside the repository and prints
# its path on stdout (progress goes to stderr). Idempotent: a cached binary that reports the pinned
# version is reused; anything else is rebuilt. Go's module and build caches are reused when present,
# but nothing else is needed: on a fresh machine this downloads the modules and builds from scratch.
#
#   K6=$(bash infra/launcher/ensure-k6.sh)      # then: "$K6" run loadtests/officer-workload.js
#
# Settings: K6_VERSION (default below), TQDT_CACHE_DIR (default ~/.cache/tqdt).
set -euo pipefail

K6_VERSION="${K6_VERSION:-v1.8.1}"
CACHE_DIR="${TQDT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tqdt}"
TARGET_DIR="$CACHE_DIR/k6-$K6_VERSION"
K6_BIN="$TARGET_DIR/k6"

say() { printf 'ensure-k6: %s\n' "$*" >&2; }

if [[ -x "$K6_BIN" ]] && "$K6_BIN" version 2>/dev/null | grep -q "^k6 ${K6_VERSION} "; then
  say "k6 ${K6_VERSION} is cached at $K6_BIN"
  echo "$K6_BIN"
  exit 0
fi

GO="$(command -v go || true)"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" ]]; then
  say "no Go toolchain found (k6 ${K6_VERSION} needs a recent Go; Debian's golang package is too old)"
  exit 1
fi
say "building k6 ${K6_VERSION} with $("$GO" version | awk '{print $3}') (first build takes a few minutes on 2 cores)"

mkdir -p "$TARGET_DIR"
BUILD_BIN="$(mktemp -d "$TARGET_DIR/.build.XXXXXX")"
trap 'rm -rf "$BUILD_BIN"' EXIT

# CGO off: a static binary that does not care which libc the next machine has.
# GOFLAGS=-mod=mod so a repository-level go.work or vendor folder never interferes.
started=$(date +%s)
(
  cd "$BUILD_BIN"
  CGO_ENABLED=0 GOBIN="$BUILD_BIN" GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    "$GO" install -trimpath "go.k6.io/k6@${K6_VERSION}"
) >&2 &
build_pid=$!
# `go install` is silent for minutes while it compiles: show that it is alive.
while kill -0 "$build_pid" 2>/dev/null; do
  sleep 15
  kill -0 "$build_pid" 2>/dev/null && say "still building ($(( $(date +%s) - started )) s)"
done
wait "$build_pid"

# Replace atomically: a concurrent run never sees a half-written binary.
mv -f "$BUILD_BIN/k6" "$K6_BIN.tmp"
mv -f "$K6_BIN.tmp" "$K6_BIN"
if ! "$K6_BIN" version | grep -q "^k6 ${K6_VERSION} "; then
  say "the built binary does not report ${K6_VERSION}: $("$K6_BIN" version)"
  exit 1
fi
say "built $("$K6_BIN" version | head -1) in $(( $(date +%s) - started )) s → $K6_BIN"
echo "$K6_BIN"
