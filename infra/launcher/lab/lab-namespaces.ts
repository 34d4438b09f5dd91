// Names of a lab's network namespaces and where they are mounted. A host of the lab is its
// namespace: every process in that namespace belongs to the host, however it was started
// (Patroni's postmaster calls setsid, PostgreSQL's backends too; no pid file or process group
// reaches them all, the namespace does). host-processes.ts finds the processes of one.
import { readdirSync, statSync } from 'node:fs'
import type { Inventory, LabSettings } from '../inventory.ts'

/** Where `ip netns add` mounts a namespace; also where `nsenter --net=` finds it. */
export const NETNS_DIR = '/run/netns'

export class LabError extends Error {}

export function labOf(inv: Inventory): LabSettings {
  if (!inv.lab) throw new LabError(`${inv.file} has no "lab" section: its hosts are not network namespaces`)
  return inv.lab
}

export function isNamespaceLab(inv: Inventory): boolean {
  return inv.lab !== undefined
}

/** `<prefix><host>`: the namespace of an inventory host. */
export function hostNamespace(inv: Inventory, hostName: string): string {
  return `${labOf(inv).namespacePrefix}${hostName}`
}

/** The namespace that holds the lab's bridge: the switch every host is cabled to. */
export function switchNamespace(inv: Inventory): string {
  return `${labOf(inv).namespacePrefix}switch`
}

/** The operators' namespace: a workstation on the hosts' network (launcher, tests, drills, k6). */
export function opsNamespace(inv: Inventory): string {
  return `${labOf(inv).namespacePrefix}ops`
}

export function namespacePath(name: string): string {
  return `${NETNS_DIR}/${name}`
}

/** Every namespace the inventory describes: switch, ops, then the hosts. */
export function labNamespaceNames(inv: Inventory): string[] {
  return [switchNamespace(inv), opsNamespace(inv), ...inv.hosts.map((h) => hostNamespace(inv, h.name))]
}

/** Namespaces mounted under /run/netns now. */
export function mountedNamespaces(): string[] {
  try {
    return readdirSync(NETNS_DIR)
  } catch {
    return []
  }
}

export function namespaceExists(name: string): boolean {
  return mountedNamespaces().includes(name)
}

/** The inode that identifies a namespace (the number in `net:[…]`), or null when it is not mounted. */
export function namespaceInode(name: string): number | null {
  try {
    return statSync(namespacePath(name)).ino
  } catch {
    return null
  }
}

/** The inode of the network namespace this process runs in (its /proc/self/ns/net, a namespace path like /run/netns/…). */
export function ownNamespaceInode(): number | null {
  try {
    return statSync('/proc/self/ns/net').ino
  } catch {
    return null
  }
}

/** Whether this process runs inside the named namespace. */
export function runningInside(name: string): boolean {
  const inode = namespaceInode(name)
  return inode !== null && inode === ownNamespaceInode()
}
