// Verifies the whole audit trail against every signed checkpoint, in the database and in every
// outside store: recomputes each leaf from its row, the tree from the leaves, and each checkpoint's
// root at its size. All checkpoints being roots of prefixes of one recomputed sequence is what makes
// successive checkpoints consistent (RFC 9162 §2.1.4), so a rewritten past shows up even when every
// later checkpoint was forged — it cannot be signed without the app's key, and the copies outside
// PostgreSQL still hold the old roots. Each problem has a stable code (docs/operations/audit.md).
import type { KeyObject } from 'node:crypto'
import type { Queryable } from '../db/database.ts'
import {
  checkpointsAfter,
  doublySealedRows,
  leavesWithRows,
  sealingLag,
  unsealedRowsBefore,
  type CheckpointRecord,
} from '../db/audit-seal-repository.ts'
import { checkpointFromJson, checkSignature, type CheckpointJson } from './audit-checkpoint.ts'
import type { CheckpointStore } from './audit-checkpoint-store.ts'
import { leafDataOf } from './audit-seal-service.ts'
import { CompactRange, leafHash } from './merkle-tree.ts'

export type ProblemCode =
  /** A checkpoint whose signature does not check with its key: forged, or replaced without the key. */
  | 'CHECKPOINT_SIGNATURE_INVALID'
  /** A checkpoint signed with a key that is not trusted. */
  | 'CHECKPOINT_KEY_UNKNOWN'
  /** The recomputed tree at a checkpoint's size has another root: the rows under it were changed. */
  | 'CHECKPOINT_ROOT_MISMATCH'
  /** A checkpoint is larger than the tree: leaves were removed (the log truncated). */
  | 'CHECKPOINT_BEYOND_TREE'
  /** A store holds a checkpoint the database does not: it was deleted from the database. */
  | 'CHECKPOINT_MISSING_IN_DATABASE'
  /** The database holds a checkpoint a store does not, although the store has later ones: deleted from the store. */
  | 'CHECKPOINT_MISSING_IN_STORE'
  /** A store and the database hold different checkpoints of one size. */
  | 'CHECKPOINT_DIFFERS'
  /** A checkpoint older than a minute has not reached a store: its exporter is not running. */
  | 'CHECKPOINT_NOT_EXPORTED'
  /** Leaf numbers skip: a leaf was deleted. */
  | 'SEQUENCE_GAP'
  /** A leaf's row is gone: the row was deleted. */
  | 'ROW_MISSING'
  /** A row no longer hashes to its leaf: its content was edited after it was sealed. */
  | 'ROW_CONTENT_CHANGED'
  /** A row's query columns say something else than its entry. */
  | 'COLUMNS_DIFFER_FROM_ENTRY'
  /** A row placed before the last sealed position has no leaf: inserted into the past, or skipped. */
  | 'ROW_NOT_SEALED'
  /** A row has two leaves. */
  | 'DOUBLE_SEAL'
  /** The last checkpoint's stored tree edge does not give its root (the sealer would refuse to continue). */
  | 'EDGE_MISMATCH'

export interface Problem {
  code: ProblemCode
  message: string
  treeSize?: number
  leafIndex?: number
  auditId?: string
  store?: string
}

export interface VerifyReport {
  ok: boolean
  leaves: number
  checkpoints: number
  stores: Array<{ name: string; checkpoints: number }>
  /** Rows written but not sealed yet (not a problem: the sealer's lag). */
  unsealed: number
  problems: Problem[]
}

export interface VerifyOptions {
  logName: string
  keys: ReadonlyMap<string, KeyObject>
  stores: CheckpointStore[]
  /** Problems beyond this many are counted in the report, not listed. */
  maxProblems?: number
  onProgress?: (leaves: number) => void
}

const BATCH = 5000
// An exporter copies each checkpoint within seconds; one older than this that a store lacks is a finding.
const EXPORT_GRACE_MS = 60_000

/**
 * q must be one connection (a checked-out client): the walk runs in one repeatable-read snapshot, so
 * writes and seals during it cannot look like a problem. The stores are read before the snapshot is
 * taken: an exporter copies only committed checkpoints, so every checkpoint a store held then is in
 * the snapshot unless it was deleted. Read after it, a seal committed in between reached a store but
 * not the snapshot and looked like a truncated log (CHECKPOINT_BEYOND_TREE and
 * CHECKPOINT_MISSING_IN_DATABASE in the primary-replica-partition drill, run 20261206T091910Z).
 */
export async function verifyAuditTrail(q: Queryable, options: VerifyOptions): Promise<VerifyReport> {
  const stores = await Promise.all(options.stores.map(async (s) => ({ name: s.name, checkpoints: await s.read() })))
  await q.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  try {
    // The snapshot starts with the transaction's first statement, not with BEGIN.
    await q.query('SELECT 1')
    return await verifyInSnapshot(q, options, stores)
  } finally {
    await q.query('COMMIT').catch(() => undefined)
  }
}

interface StoreContents {
  name: string
  checkpoints: Awaited<ReturnType<CheckpointStore['read']>>
}

async function verifyInSnapshot(q: Queryable, o: VerifyOptions, stores: StoreContents[]): Promise<VerifyReport> {
  const problems: Problem[] = []
  const max = o.maxProblems ?? 100
  const report = (p: Problem) => {
    if (problems.length < max) problems.push(p)
  }

  const database = new Map<number, CheckpointRecord>()
  for (let after = 0; ; ) {
    const page = await checkpointsAfter(q, after, BATCH)
    for (const c of page) database.set(c.treeSize, c)
    const last = page[page.length - 1]
    if (!last || page.length < BATCH) break
    after = last.treeSize
  }
  for (const c of database.values()) checkSigned(o, c, 'the database', report)

  for (const store of stores) compareStore(o, store, database, report)

  // Every size a checkpoint names, with the roots it claims there (the database's and each store's).
  const claims = new Map<number, Array<{ root: Buffer; where: string }>>()
  const claim = (size: number, root: Buffer, where: string) => claims.set(size, [...(claims.get(size) ?? []), { root, where }])
  for (const c of database.values()) claim(c.treeSize, c.rootHash, 'the database')
  for (const s of stores) for (const c of s.checkpoints) claim(c.treeSize, Buffer.from(c.rootHash, 'hex'), s.name)

  const range = new CompactRange()
  for (let from = 0; ; from += BATCH) {
    const leaves = await leavesWithRows(q, from, BATCH)
    for (const leaf of leaves) {
      if (leaf.leafIndex !== range.size) {
        report({ code: 'SEQUENCE_GAP', leafIndex: range.size, message: `leaf ${range.size} is missing (the next is ${leaf.leafIndex})` })
      }
      let hash = leaf.leafHash
      if (leaf.row === null) {
        report({ code: 'ROW_MISSING', leafIndex: leaf.leafIndex, auditId: leaf.auditId, message: `audit row ${leaf.auditId} of leaf ${leaf.leafIndex} is gone` })
      } else {
        hash = leafHash(leafDataOf(leaf.auditId, leaf.row.entry))
        if (!hash.equals(leaf.leafHash)) {
          report({ code: 'ROW_CONTENT_CHANGED', leafIndex: leaf.leafIndex, auditId: leaf.auditId, message: `audit row ${leaf.auditId} was changed after it was sealed` })
        }
        if (!columnsMatch(leaf.row)) {
          report({ code: 'COLUMNS_DIFFER_FROM_ENTRY', leafIndex: leaf.leafIndex, auditId: leaf.auditId, message: `audit row ${leaf.auditId}: its columns say something else than its entry` })
        }
      }
      range.append(hash)
      for (const c of claims.get(range.size) ?? []) {
        if (!range.root().equals(c.root)) {
          report({ code: 'CHECKPOINT_ROOT_MISMATCH', treeSize: range.size, store: c.where, message: `the checkpoint of ${range.size} leaves in ${c.where} does not match the trail under it` })
        }
      }
    }
    o.onProgress?.(range.size)
    if (leaves.length < BATCH) break
  }
  for (const [size, list] of claims) {
    if (size > range.size) {
      for (const c of list) report({ code: 'CHECKPOINT_BEYOND_TREE', treeSize: size, store: c.where, message: `${c.where} holds a checkpoint of ${size} leaves; the tree has ${range.size}` })
    }
  }

  const newest = [...database.values()].sort((a, b) => b.treeSize - a.treeSize)[0]
  if (newest) {
    const edge = new CompactRange(newest.treeSize, newest.edge)
    if (!edge.root().equals(newest.rootHash)) {
      report({ code: 'EDGE_MISMATCH', treeSize: newest.treeSize, message: `the stored edge of checkpoint ${newest.treeSize} does not give its root` })
    }
    for (const id of await unsealedRowsBefore(q, { txid: newest.lastTxid, id: newest.lastAuditId }, max)) {
      report({ code: 'ROW_NOT_SEALED', auditId: id, message: `audit row ${id} lies before the sealed position but has no leaf` })
    }
  }
  for (const id of await doublySealedRows(q, max)) {
    report({ code: 'DOUBLE_SEAL', auditId: id, message: `audit row ${id} is sealed more than once` })
  }
  const { unsealed } = await sealingLag(q)
  return {
    ok: problems.length === 0,
    leaves: range.size,
    checkpoints: database.size,
    stores: stores.map((s) => ({ name: s.name, checkpoints: s.checkpoints.length })),
    unsealed,
    problems,
  }
}

function checkSigned(o: VerifyOptions, c: CheckpointRecord | ReturnType<typeof checkpointFromJson>, where: string, report: (p: Problem) => void): void {
  const check = checkSignature(o.logName, o.keys, c)
  if (check === 'UNKNOWN_KEY') {
    report({ code: 'CHECKPOINT_KEY_UNKNOWN', treeSize: c.treeSize, store: where, message: `checkpoint ${c.treeSize} in ${where} is signed with key ${c.keyId}, which is not trusted` })
  } else if (check === 'SIGNATURE_INVALID') {
    report({ code: 'CHECKPOINT_SIGNATURE_INVALID', treeSize: c.treeSize, store: where, message: `checkpoint ${c.treeSize} in ${where} has a signature that does not check` })
  }
}

const sameCheckpoint = (a: CheckpointJson, b: CheckpointRecord) =>
  a.rootHash === b.rootHash.toString('hex') && a.signedAt === b.signedAt && a.keyId === b.keyId && a.signature === b.signature.toString('base64')

function compareStore(
  o: VerifyOptions,
  store: { name: string; checkpoints: CheckpointJson[] },
  database: Map<number, CheckpointRecord>,
  report: (p: Problem) => void,
): void {
  const held = new Map(store.checkpoints.map((c) => [c.treeSize, c]))
  for (const c of store.checkpoints) {
    checkSigned(o, checkpointFromJson(c), store.name, report)
    const inDatabase = database.get(c.treeSize)
    if (!inDatabase) {
      report({ code: 'CHECKPOINT_MISSING_IN_DATABASE', treeSize: c.treeSize, store: store.name, message: `checkpoint ${c.treeSize} of ${store.name} is not in the database` })
    } else if (!sameCheckpoint(c, inDatabase)) {
      report({ code: 'CHECKPOINT_DIFFERS', treeSize: c.treeSize, store: store.name, message: `checkpoint ${c.treeSize} differs between ${store.name} and the database` })
    }
  }
  const largest = Math.max(0, ...held.keys())
  for (const c of database.values()) {
    if (held.has(c.treeSize)) continue
    if (c.treeSize < largest) {
      report({ code: 'CHECKPOINT_MISSING_IN_STORE', treeSize: c.treeSize, store: store.name, message: `checkpoint ${c.treeSize} is missing from ${store.name}` })
    } else if (Date.now() - Date.parse(c.signedAt) > EXPORT_GRACE_MS) {
      report({ code: 'CHECKPOINT_NOT_EXPORTED', treeSize: c.treeSize, store: store.name, message: `checkpoint ${c.treeSize} has not reached ${store.name}` })
    }
  }
}

function columnsMatch(row: { entityType: string; entityId: string; action: string; officerId: string; office: string; entry: string }): boolean {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(row.entry) as Record<string, unknown>
  } catch {
    return false
  }
  return entry.entityType === row.entityType && entry.entityId === row.entityId && entry.action === row.action &&
    entry.officerId === row.officerId && entry.office === row.office
}
