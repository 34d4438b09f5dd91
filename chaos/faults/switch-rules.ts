// Drops on the lab's switch: an nftables table of the bridge family inside the switch namespace, one
// base chain per active fault on the forward hook, matched by switch port (the interface a host is
// cabled to), so every packet between two hosts is caught — TCP, ARP, the floating address —
// whatever address or port it uses. The table lives and dies with the switch namespace: `down`
// removes it with the lab, and no rule ever touches the root namespace.
import { spawnSync } from 'node:child_process'
import type { Inventory } from '../../infra/launcher/cluster-api.ts'
import { namespacePath, switchNamespace, switchPort } from '../../infra/launcher/cluster-api.ts'

const FAULT_TABLE = 'tqdt_faults'

class SwitchRuleError extends Error {}

function nft(inv: Inventory, args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const res = spawnSync('/usr/bin/nsenter', [`--net=${namespacePath(switchNamespace(inv))}`, '--', '/usr/sbin/nft', ...args], { encoding: 'utf8', input })
  if (res.error) throw new SwitchRuleError(`cannot run nft in ${switchNamespace(inv)}: ${res.error.message}`)
  return { status: res.status ?? 1, stdout: res.stdout, stderr: res.stderr }
}

/** Adds chain `name` dropping every frame between each pair of hosts, both ways, in one transaction. */
export function dropBetween(inv: Inventory, name: string, pairs: Array<[string, string]>): void {
  const rules = pairs.flatMap(([a, b]) => [
    `iifname "${switchPort(a)}" oifname "${switchPort(b)}" drop`,
    `iifname "${switchPort(b)}" oifname "${switchPort(a)}" drop`,
  ])
  const script = [
    `add table bridge ${FAULT_TABLE}`,
    `add chain bridge ${FAULT_TABLE} ${name} { type filter hook forward priority -10; policy accept; }`,
    ...rules.map((r) => `add rule bridge ${FAULT_TABLE} ${name} ${r}`),
  ].join('\n')
  const res = nft(inv, ['-f', '-'], script + '\n')
  if (res.status !== 0) throw new SwitchRuleError(`nft refused the rules: ${res.stderr.trim()}\n${script}`)
}

export function switchChains(inv: Inventory): string[] {
  const res = nft(inv, ['list', 'table', 'bridge', FAULT_TABLE])
  if (res.status !== 0) return []
  return [...res.stdout.matchAll(/^\s*chain (\S+) \{/gm)].map((m) => m[1] as string)
}

/** Removes one fault's chain; absent is fine (heal is idempotent), and so is a switch that is gone. */
export function deleteSwitchChain(inv: Inventory, name: string): void {
  if (!switchChains(inv).includes(name)) return
  const res = nft(inv, ['-f', '-'], `flush chain bridge ${FAULT_TABLE} ${name}\ndelete chain bridge ${FAULT_TABLE} ${name}\n`)
  if (res.status !== 0) throw new SwitchRuleError(`nft could not delete chain ${name}: ${res.stderr.trim()}`)
  if (switchChains(inv).length === 0) nft(inv, ['delete', 'table', 'bridge', FAULT_TABLE])
}

/** Every drop of every fault at once (the runner's last resort). */
export function deleteSwitchTable(inv: Inventory): boolean {
  if (nft(inv, ['list', 'table', 'bridge', FAULT_TABLE]).status !== 0) return false
  return nft(inv, ['delete', 'table', 'bridge', FAULT_TABLE]).status === 0
}
