// Where a command that talks to the cluster runs: in a namespace lab, inside the operators'
// namespace (`<prefix>ops`), the one place besides the hosts that has a route to their addresses;
// with a loopback inventory, right here. The entry points (launcher, drills, benchmarks) call
// enterOpsNamespace() first; anything else goes through the CLI's lab-exec:
//
//   npm run lab-exec -- [--host HOST] -- COMMAND [ARGS...]
//
// The process that re-executes stays in the root namespace until its child ends, and hands the
// child TQDT_ROOT_NETNS=/proc/<its pid>/ns/net, so the child can still reach the root namespace
// (the front door's listeners, the guard route).
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import type { Inventory } from '../inventory.ts'
import { loadInventory } from '../inventory.ts'
import { hostNamespace, namespaceExists, namespacePath, opsNamespace, runningInside } from './lab-namespaces.ts'

/** argv prefix that runs a command in the namespace (none: run it as it is). */
export function namespacePrefix(netnsPath: string | undefined): string[] {
  return netnsPath ? ['/usr/bin/nsenter', `--net=${netnsPath}`, '--'] : []
}

/** Runs argv and resolves with its exit code; SIGINT/SIGTERM are passed on, so the child heals and stops as if it had them itself. */
export function runForwardingSignals(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env })
    const forward = (sig: NodeJS.Signals) => child.kill(sig)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('error', (err) => {
      console.error(`cannot run ${argv[0]}: ${err.message}`)
      resolve(127)
    })
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
    })
  })
}

export class NotInLabError extends Error {}

/**
 * In a namespace lab and not yet inside its ops namespace: runs this same program there, waits, and
 * returns its exit code (the caller exits with it). Otherwise returns null and the caller goes on.
 */
export async function enterOpsNamespace(inv: Inventory, args: string[] = process.argv.slice(2)): Promise<number | null> {
  if (!inv.lab) return null
  const ops = opsNamespace(inv)
  if (runningInside(ops)) return null
  if (!namespaceExists(ops)) throw new NotInLabError(`the lab's namespace ${ops} does not exist: start the lab with \`npm run up\``)
  const argv = [...namespacePrefix(namespacePath(ops)), process.execPath, ...process.execArgv, process.argv[1], ...args]
  return runForwardingSignals(argv, { ...process.env, TQDT_ROOT_NETNS: process.env.TQDT_ROOT_NETNS || `/proc/${process.pid}/ns/net` })
}

/** `lab-exec`: runs a command in the ops namespace (or --host HOST's), or right here without a lab. */
export async function labExec(argv: string[]): Promise<number> {
  const sep = argv.indexOf('--')
  const opts = sep < 0 ? [] : argv.slice(0, sep)
  const command = sep < 0 ? argv : argv.slice(sep + 1)
  if (command.length === 0) {
    console.error('usage: npm run lab-exec -- [--host HOST] -- COMMAND [ARGS...]')
    return 2
  }
  const inv = loadInventory()
  const hostAt = opts.indexOf('--host')
  let target: string | undefined
  if (inv.lab) target = namespacePath(hostAt >= 0 ? hostNamespace(inv, opts[hostAt + 1]) : opsNamespace(inv))
  if (target && !namespaceExists(target.split('/').pop()!)) {
    console.error(`lab-exec: ${target} does not exist: start the lab with \`npm run up\``)
    return 1
  }
  const env = inv.lab ? { ...process.env, TQDT_ROOT_NETNS: process.env.TQDT_ROOT_NETNS || `/proc/${process.pid}/ns/net` } : process.env
  return runForwardingSignals([...namespacePrefix(target), ...command], env)
}

