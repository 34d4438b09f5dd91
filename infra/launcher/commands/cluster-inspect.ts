// The cluster as it stands, for people and for the test suite: `status`, `logs HOST`, `env`.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { endpoints } from '../cluster-api.ts'
import { clusterStatus, formatStatusTable } from '../cluster-status.ts'
import type { Inventory } from '../inventory.ts'
import { clusterPath, loadInventory } from '../inventory.ts'
import { frontDoorForwards, frontDoorPid } from '../lab/front-door.ts'
import { patroniMembers } from '../patroni-client.ts'

/** The front door's forwards, for people: what to point a browser or psql at from this machine. */
export function frontDoorLines(inv: Inventory): string[] {
  const lab = inv.lab!
  const up = frontDoorPid(inv, 'root') !== null && frontDoorPid(inv, 'lab') !== null
  return [
    '',
    `Front door (root namespace → lab ${lab.subnet}, over Unix sockets)${up ? '' : ': NOT RUNNING (npm run up starts it)'}:`,
    ...frontDoorForwards(inv).map((f) => `  ${lab.frontDoor.address}:${f.port} → ${f.targetAddress}:${f.targetPort} (${f.describes})`),
  ]
}

export async function status(json: boolean): Promise<number> {
  const inv = loadInventory()
  const s = await clusterStatus(inv)
  console.log(json ? JSON.stringify(s, null, 2) : formatStatusTable(s))
  if (inv.lab && !json) console.log(frontDoorLines(inv).join('\n'))
  return s.healthy ? 0 : 1
}

export function logs(host: string | undefined): Promise<number> {
  const inv = loadInventory()
  const dir = clusterPath(inv, 'logs')
  if (!host) {
    console.error(`usage: npm run logs -- HOST   (hosts: ${inv.hosts.map((h) => h.name).join(', ')})`)
    return Promise.resolve(2)
  }
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${host}-`)).map((f) => join(dir, f)) : []
  if (files.length === 0) {
    console.error(`no logs for ${host} in ${dir}`)
    return Promise.resolve(1)
  }
  return new Promise((resolve) => {
    const tail = spawn('tail', ['-n', '100', '-F', ...files], { stdio: 'inherit' })
    tail.on('exit', (code) => resolve(code ?? 0))
  })
}

/**
 * Shell `export` lines with the addresses and secret files the test suite needs, read from the
 * inventory: a second cluster instance (TQDT_INVENTORY) runs the same suite without edits.
 */
export async function printTestEnvironment(json = false): Promise<number> {
  const inv = loadInventory()
  const e = endpoints(inv)
  const quoted = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
  // The superuser's socket is the leader's: the integration tests run before any drill moves it.
  const leader = (await patroniMembers(inv)).find((m) => m.role === 'leader')
  const vars: Record<string, string> = {
    TEST_DATABASE_URL: e.databaseUrl,
    TEST_OWNER_DATABASE_URL: e.ownerDatabaseUrl,
    ...(leader ? { TEST_SUPERUSER_DATABASE_URL: e.superuserDatabaseUrlOf(leader.name) } : {}),
    CLUSTER_DATABASE_REPLICA_URL: e.databaseReplicaUrl,
    JWT_SECRET_FILE: clusterPath(inv, 'secrets', 'jwt-secret'),
  }
  if (json) console.log(JSON.stringify(vars, null, 2))
  else for (const [name, value] of Object.entries(vars)) console.log(`export ${name}=${quoted(value)}`)
  return 0
}
