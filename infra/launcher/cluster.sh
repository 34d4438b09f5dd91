#!/usr/bin/env bash
# The local HA cluster: by default the production layout as a namespace lab (infra/inventory/production.json,
# each host a network namespace); TQDT_INVENTORY=infra/inventory/local.json puts every host on a 127.0.0.X address.
#
#   bash infra/launcher/cluster.sh up              install what is missing, start what is not running, wait, print status
#   bash infra/launcher/cluster.sh status [--json] the status table; exit 1 if anything is unhealthy
#   bash infra/launcher/cluster.sh down [--purge]  stop everything (--purge: also delete data, configs, logs)
#   bash infra/launcher/cluster.sh logs HOST       follow that host's logs
#   bash infra/launcher/cluster.sh migrate         run the migrations through HAProxy
#   bash infra/launcher/cluster.sh deploy          replace every app node with the checkout's code, one at a time, without downtime
#   bash infra/launcher/cluster.sh env             print `export` lines for the test suite (addresses, secret files)
#   bash infra/launcher/cluster.sh install         only install what is missing (packages, Patroni, Node, k6)
#
# This script only prepares the machine (Debian packages, Patroni, Node); the work is done by
# cluster-command.ts. The inventory is infra/inventory/production.json unless TQDT_INVENTORY names another.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"

# Debian's Patroni 3.0.2 loses acknowledged writes after a frozen primary resumes (fixed upstream
# in patroni/patroni#2689): Patroni comes from PyPI, pinned, into a venv that postgres can read.
PATRONI_SPEC=('patroni[etcd3]==4.1.5' 'psycopg2-binary==2.9.13')
PATRONI_VENV="$REPO_ROOT/.tools/patroni-venv"
APT_PACKAGES=(
  postgresql-15 etcd-server etcd-client haproxy redis-server redis-sentinel redis-tools
  prometheus prometheus-postgres-exporter prometheus-redis-exporter
  nftables python3-venv util-linux procps pgbackrest
  keepalived iproute2 openssl   # the namespace lab: a floating address between the load balancers; the lab's CA
  linux-perf   # what TLS costs per component: CPU samples by process and symbol (npm run bench -- --tls-cost)
  curl jq   # the examples of docs/api.md, run by test/integration/api-doc-examples.test.ts
  chromium poppler-utils   # prints opened as a person opens them (test/integration/prints.test.ts)
)

ensure_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> apt-get install ${missing[*]}"
  # The packages' own services would take ports the simulated hosts need (prometheus and the
  # exporters listen on every address): keep apt from starting them, as on a Docker image.
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    guard=/usr/sbin/policy-rc.d
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  [ -n "$guard" ] && rm -f "$guard"
  return $rc
}

ensure_patroni() {
  if [ -x "$PATRONI_VENV/bin/patroni" ] && [ "$("$PATRONI_VENV/bin/patroni" --version 2>/dev/null)" = "patroni 4.1.5" ]; then
    return 0
  fi
  echo "==> installing ${PATRONI_SPEC[*]} into .tools/patroni-venv"
  rm -rf "$PATRONI_VENV"
  # Debian's python3, not a per-user one (pyenv under /root): postgres must be able to run it.
  /usr/bin/python3 -m venv "$PATRONI_VENV"
  "$PATRONI_VENV/bin/pip" install -q --disable-pip-version-check "${PATRONI_SPEC[@]}"
  chmod -R a+rX "$PATRONI_VENV"
}

# schemathesis, the contract stage's fuzzer (test/contract), from PyPI into its own venv, every package
# pinned (test/contract/requirements.txt); reinstalled when that file changes.
SCHEMATHESIS_VENV="$REPO_ROOT/.tools/schemathesis-venv"
ensure_schemathesis() {
  local wanted="$REPO_ROOT/test/contract/requirements.txt" stamp="$SCHEMATHESIS_VENV/.requirements"
  if [ -x "$SCHEMATHESIS_VENV/bin/st" ] && cmp -s "$wanted" "$stamp"; then return 0; fi
  echo "==> installing schemathesis (test/contract/requirements.txt) into .tools/schemathesis-venv"
  rm -rf "$SCHEMATHESIS_VENV"
  /usr/bin/python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/pip" install -q --disable-pip-version-check -r "$wanted"
  cp "$wanted" "$stamp"
}

# PostgreSQL runs as postgres: it must be able to reach the venv, its config and its data folder
# inside the repository. Give traverse permission (not read) on any ancestor that lacks it.
ensure_traversable() {
  local dir="$REPO_ROOT"
  while [ "$dir" != "/" ]; do
    if ! setpriv --reuid=postgres --regid=postgres --init-groups test -x "$dir" 2>/dev/null; then
      echo "==> chmod o+x $dir (postgres must traverse it to reach .run/ and .tools/)"
      chmod o+x "$dir"
    fi
    dir="$(dirname "$dir")"
  done
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  up)
    [ "$(id -u)" -eq 0 ] || { echo "cluster.sh up needs root (apt, and running PostgreSQL as postgres)" >&2; exit 1; }
    ensure_packages
    ensure_patroni
    ensure_traversable
    ;;
  install)
    [ "$(id -u)" -eq 0 ] || { echo "cluster.sh install needs root (apt)" >&2; exit 1; }
    ensure_packages
    ensure_patroni
    ensure_schemathesis
    ensure_traversable
    # shellcheck source=ensure-node.sh
    source "$REPO_ROOT/infra/launcher/ensure-node.sh"
    if [ -f "$REPO_ROOT/infra/launcher/ensure-k6.sh" ]; then bash "$REPO_ROOT/infra/launcher/ensure-k6.sh" >/dev/null; fi
    echo "==> everything the cluster and the tests need is installed"
    exit 0
    ;;
  status|down|logs|migrate|env|deploy) ;;
  *)
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

# One launcher at a time per inventory (a test's `up` racing an operator's `down` would leave half a
# cluster); another inventory (TQDT_INVENTORY) has its own lock, so it never waits for the default one.
if [ "$cmd" = up ] || [ "$cmd" = down ] || [ "$cmd" = deploy ]; then
  mkdir -p "$REPO_ROOT/.run"
  lock="$REPO_ROOT/.run/launcher.lock"
  # Both sides resolved: a checkout reached through a symlink must not get two locks for one cluster.
  if [ -n "${TQDT_INVENTORY:-}" ] && [ "$(realpath -m "$TQDT_INVENTORY")" != "$(realpath -m "$REPO_ROOT/infra/inventory/production.json")" ]; then
    lock="$REPO_ROOT/.run/launcher-$(basename "$TQDT_INVENTORY" .json).lock"
  fi
  exec 9>"$lock"
  if ! flock -n 9; then
    echo "==> another cluster.sh up/down is running; waiting for it"
    flock -w 600 9 || { echo "gave up waiting for $lock" >&2; exit 1; }
  fi
fi

# shellcheck source=ensure-node.sh
source "$REPO_ROOT/infra/launcher/ensure-node.sh"
exec node "$REPO_ROOT/infra/launcher/cluster-command.ts" "$cmd" "$@"
