// The front door of a namespace lab: the root namespace reaches the lab's services through
// listeners on a loopback address (lab.frontDoor.address, e.g. 127.0.0.10), never through a route.
// Two small forwarders meet at Unix sockets (file system paths are shared across namespaces):
//
//   root namespace:  TCP 127.0.0.10:8443 ──► <paths.run>/lab/door/8443.sock
//   ops namespace:   <paths.run>/lab/door/8443.sock ──► TCP <floating address>:443
//
// Bytes pass through untouched, so TLS stays end to end (the certificates name the front door's
// address too, see infra/pki). With the lab gone the root side has nothing to connect to: a
// refused connection, never a packet towards the machine's network.
//
//   node infra/launcher/lab/front-door.ts root|lab INVENTORY_FILE     (started by the launcher)
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Inventory } from '../inventory.ts'
import { clusterPath, hostByName, hostsWithRole, loadInventory } from '../inventory.ts'
import { listProcesses, signalProcesses } from '../host-processes.ts'
import { labOf, namespacePath, opsNamespace } from './lab-namespaces.ts'
import { rootNamespacePath } from './lab-network.ts'
import { namespacePrefix } from './run-in-lab.ts'

const SELF = fileURLToPath(import.meta.url)
/** sockaddr_un holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107

export type DoorSide = 'root' | 'lab'

export interface DoorForward {
  /** Port on the front door's loopback address. */
  port: number
  socket: string
  targetAddress: string
  targetPort: number
  /** e.g. "floating:http" */
  describes: string
}

export function frontDoorForwards(inv: Inventory): DoorForward[] {
  const lab = labOf(inv)
  return lab.frontDoor.ports.map((p) => {
    const host = p.to === 'floating' ? hostsWithRole(inv, 'haproxy')[0] : hostByName(inv, p.to)
    const socket = clusterPath(inv, 'run', 'lab', 'door', `${p.port}.sock`)
    if (socket.length > MAX_SOCKET_PATH) throw new Error(`front door socket path too long for a Unix socket (${socket.length} > ${MAX_SOCKET_PATH}): ${socket}`)
    return {
      port: p.port,
      socket,
      targetAddress: p.to === 'floating' ? inv.cluster.floatingAddress! : host.address,
      targetPort: host.ports[p.service],
      describes: `${p.to}:${p.service}`,
    }
  })
}

function pipeBoth(a: Socket, b: Socket): void {
  const close = () => {
    a.destroy()
    b.destroy()
  }
  a.on('error', close)
  b.on('error', close)
  a.pipe(b)
  b.pipe(a)
}

function serve(inv: Inventory, side: DoorSide): void {
  const lab = labOf(inv)
  for (const f of frontDoorForwards(inv)) {
    const server = createServer({ allowHalfOpen: true }, (client) => {
      const upstream = side === 'root' ? connect({ path: f.socket, allowHalfOpen: true }) : connect({ host: f.targetAddress, port: f.targetPort, allowHalfOpen: true })
      client.setNoDelay?.(true)
      if (side === 'lab') upstream.setNoDelay(true)
      pipeBoth(client, upstream)
    })
    server.on('error', (err) => {
      console.error(`front door (${side}) port ${f.port}: ${err.message}`)
      process.exit(1)
    })
    if (side === 'root') server.listen({ host: lab.frontDoor.address, port: f.port })
    else {
      mkdirSync(clusterPath(inv, 'run', 'lab', 'door'), { recursive: true, mode: 0o700 })
      rmSync(f.socket, { force: true })
      server.listen({ path: f.socket })
    }
    server.on('listening', () => console.log(`front door (${side}) ${side === 'root' ? `${lab.frontDoor.address}:${f.port} → ${f.socket}` : `${f.socket} → ${f.targetAddress}:${f.targetPort}`} (${f.describes})`))
  }
}

function pidFile(inv: Inventory, side: DoorSide): string {
  return clusterPath(inv, 'pids', `front-door-${side}.pid`)
}

/** The running forwarder of one side, found by its command line (so also after a crash that lost the pid file). */
export function frontDoorPid(inv: Inventory, side: DoorSide): number | null {
  return listProcesses().find(({ argv }) => argv[1] === SELF && argv[2] === side && argv[3] === inv.file)?.pid ?? null
}

/** Starts whichever side is not running: the lab side in the ops namespace, the root side in the root namespace. */
export function ensureFrontDoor(inv: Inventory): string[] {
  const started: string[] = []
  for (const side of ['lab', 'root'] as const) {
    if (frontDoorPid(inv, side) !== null) continue
    const netns = side === 'lab' ? namespacePath(opsNamespace(inv)) : rootNamespacePath()
    const log = clusterPath(inv, 'logs', `front-door-${side}.log`)
    mkdirSync(clusterPath(inv, 'logs'), { recursive: true })
    mkdirSync(clusterPath(inv, 'pids'), { recursive: true })
    const fd = openSync(log, 'a')
    const argv = [...namespacePrefix(netns), process.execPath, SELF, side, inv.file]
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { PATH: process.env.PATH, TQDT_INVENTORY: inv.file } })
    closeSync(fd)
    child.unref()
    writeFileSync(pidFile(inv, side), `${child.pid}\n`)
    started.push(`front door (${side}) pid ${child.pid}`)
  }
  // nsenter execs node in place: until it has, the process does not look like the forwarder yet.
  const deadline = Date.now() + 5000
  while (Date.now() < deadline && (frontDoorPid(inv, 'lab') === null || frontDoorPid(inv, 'root') === null)) sleepSync(50)
  return started
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

export function stopFrontDoor(inv: Inventory): number[] {
  const stopped: number[] = []
  for (const side of ['root', 'lab'] as const) {
    const pid = frontDoorPid(inv, side)
    if (pid !== null) stopped.push(...signalProcesses([pid], 'SIGKILL'))
    rmSync(pidFile(inv, side), { force: true })
  }
  return stopped
}

if (import.meta.main) {
  const [side, file] = process.argv.slice(2)
  if ((side !== 'root' && side !== 'lab') || !file) {
    console.error('usage: node infra/launcher/lab/front-door.ts root|lab INVENTORY_FILE')
    process.exit(2)
  }
  serve(loadInventory(file), side)
}
