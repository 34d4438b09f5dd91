// Patroni keeps its cluster-wide settings in etcd; bootstrap.dcs in patroni.yml is read only when a
// cluster is new. So that a changed setting (synchronous_mode_strict, wal_sender_timeout, …)
// reaches a cluster that already exists, `up` compares the stored configuration with PATRONI_DCS and
// PATCHes what differs (Patroni applies it on every member at its next loop, reloading PostgreSQL).
import type { Inventory } from './inventory.ts'
import { patchPatroniConfig, patroniConfig } from './patroni-client.ts'
import { PATRONI_DCS } from './render/patroni-config.ts'

type Json = Record<string, unknown>

/** Paths (a.b.c) of PATRONI_DCS whose value differs from the stored configuration, with both values. */
export function dynamicConfigDrift(stored: Json, wanted: Json = PATRONI_DCS as unknown as Json, prefix = ''): Array<{ path: string; stored: unknown; wanted: unknown }> {
  const drift: Array<{ path: string; stored: unknown; wanted: unknown }> = []
  for (const [key, value] of Object.entries(wanted)) {
    const path = prefix ? `${prefix}.${key}` : key
    const have = stored?.[key]
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      drift.push(...dynamicConfigDrift((have ?? {}) as Json, value as Json, path))
    } else if (String(have) !== String(value)) {
      drift.push({ path, stored: have ?? null, wanted: value })
    }
  }
  return drift
}

function patchFor(paths: string[]): Json {
  const patch: Json = {}
  for (const path of paths) {
    const keys = path.split('.')
    let from: Json = PATRONI_DCS as unknown as Json
    let to = patch
    keys.forEach((k, i) => {
      if (i === keys.length - 1) to[k] = from[k]
      else {
        to = (to[k] ??= {}) as Json
        from = from[k] as Json
      }
    })
  }
  return patch
}

/** Brings the stored configuration in line with PATRONI_DCS; returns the changes made ("" when none). */
export async function reconcileDynamicConfig(inv: Inventory): Promise<string[]> {
  const stored = await patroniConfig(inv)
  if (stored === null) throw new Error('no Patroni member answered GET /config')
  const drift = dynamicConfigDrift(stored)
  if (drift.length === 0) return []
  await patchPatroniConfig(inv, patchFor(drift.map((d) => d.path)))
  return drift.map((d) => `${d.path}: ${JSON.stringify(d.stored)} → ${JSON.stringify(d.wanted)}`)
}
