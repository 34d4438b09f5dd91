// The TCP connections a set of processes holds, from `ss`: a power loss must also silence the
// connections a host opened itself (they leave from 127.0.0.1, not from the host's address), or the
// kernel answers its peers with a FIN/RST the moment the processes die.
import { spawnSync } from 'node:child_process'

export interface Connection {
  localAddress: string
  localPort: number
  remoteAddress: string
  remotePort: number
  pids: number[]
}

function splitEndpoint(text: string): [string, number] {
  const i = text.lastIndexOf(':')
  return [text.slice(0, i).replace(/^\[|\]$/g, ''), Number(text.slice(i + 1))]
}

/** Established (and closing) IPv4 TCP connections owned by any of `pids`. */
export function connectionsOf(pids: number[]): Connection[] {
  const wanted = new Set(pids)
  const res = spawnSync('ss', ['-tanpH', '-4'], { encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`ss failed: ${res.stderr}`)
  const out: Connection[] = []
  for (const line of res.stdout.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 6 || f[0] === 'LISTEN') continue
    const owners = [...(f.slice(5).join(' ').matchAll(/pid=(\d+)/g))].map((m) => Number(m[1]))
    const mine = owners.filter((p) => wanted.has(p))
    if (mine.length === 0) continue
    const [localAddress, localPort] = splitEndpoint(f[3] as string)
    const [remoteAddress, remotePort] = splitEndpoint(f[4] as string)
    out.push({ localAddress, localPort, remoteAddress, remotePort, pids: mine })
  }
  return out
}

/** nft statements that drop one connection's packets in both directions. */
export function dropConnectionRules(c: Connection): string[] {
  return [
    `ip saddr ${c.localAddress} tcp sport ${c.localPort} ip daddr ${c.remoteAddress} tcp dport ${c.remotePort} drop`,
    `ip saddr ${c.remoteAddress} tcp sport ${c.remotePort} ip daddr ${c.localAddress} tcp dport ${c.localPort} drop`,
  ]
}
