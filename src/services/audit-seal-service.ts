// Append now, seal after: a change only inserts its audit row; the sealer, one at a time in the whole
// cluster, takes the rows in their sealing order in batches, appends them to the Merkle tree and signs
// a checkpoint of it (size, root, time). Each batch is one transaction on the primary, so a failover
// leaves either the whole batch or none of it, and the next batch continues from the last committed
// checkpoint: no gap, no row sealed twice (audit_leaves also refuses a second seal of a row).
import type { Actor } from '../domain/actor.ts'
import { forbidden, notFound, unprocessable } from '../domain/errors.ts'
import type { Database, Queryable } from '../db/database.ts'
import {
  checkpointOfSize,
  insertSeal,
  latestCheckpoint,
  leafHashes,
  rowsToSeal,
  sealedRowsOf,
  treeNodes,
  trySealerLock,
} from '../db/audit-seal-repository.ts'
import type { KeyObject } from 'node:crypto'
import { checkpointJson, checkSignature, signCheckpoint, type CheckpointJson, type SigningKey } from './audit-checkpoint.ts'
import { CompactRange, consistencyProof, inclusionProof, leafHash, nodeHash, type PerfectSubtrees } from './merkle-tree.ts'

/** Subtrees of this level and up are stored; lower ones are computed from at most 256 leaf hashes. */
const STORED_LEVEL = 8

/** The bytes of leaf `auditId`: its id and its entry exactly as stored. */
export const leafDataOf = (auditId: string, entry: string) => `${auditId}\n${entry}`

export class SealingRefusedError extends Error {}

export interface SealResult {
  /** False when another sealer held the lock: nothing was done. */
  sealer: boolean
  sealed: number
  treeSize: number
}

/** Seals the next batch of at most `limit` rows; one transaction. */
export async function sealBatch(
  db: Database,
  keys: { signer: SigningKey; trusted: ReadonlyMap<string, KeyObject> },
  logName: string,
  limit: number,
): Promise<SealResult> {
  return db.write(
    async (tx) => {
      if (!(await trySealerLock(tx))) return { sealer: false, sealed: 0, treeSize: 0 }
      const last = await latestCheckpoint(tx)
      const range = new CompactRange(last?.treeSize ?? 0, last?.edge ?? [])
      // The edge is what the next checkpoint's root is built from: one that no longer gives the last
      // signed root was changed in the database, and sealing on top of it would sign the change.
      if (last && checkSignature(logName, keys.trusted, last) !== 'VALID') {
        throw new SealingRefusedError(`checkpoint ${last.treeSize} does not carry a valid signature: run npm run audit:verify`)
      }
      if (last && !range.root().equals(last.rootHash)) {
        throw new SealingRefusedError(`the stored edge of checkpoint ${last.treeSize} does not give its signed root: run npm run audit:verify`)
      }
      const rows = await rowsToSeal(tx, last && { txid: last.lastTxid, id: last.lastAuditId }, limit)
      const tail = rows[rows.length - 1]
      if (!tail) return { sealer: true, sealed: 0, treeSize: range.size }
      const leaves: Array<{ index: number; auditId: string; hash: Buffer }> = []
      const nodes: Array<{ level: number; index: number; hash: Buffer }> = []
      for (const row of rows) {
        const hash = leafHash(leafDataOf(row.id, row.entry))
        leaves.push({ index: range.size, auditId: row.id, hash })
        range.append(hash, (level, index, node) => {
          if (level >= STORED_LEVEL) nodes.push({ level, index, hash: node })
        })
      }
      const signed = signCheckpoint(logName, keys.signer, { treeSize: range.size, rootHash: range.root(), signedAt: new Date().toISOString() })
      const payload = { eventType: 'audit.checkpoint', ...checkpointJson(logName, signed) }
      await insertSeal(tx, {
        leaves,
        nodes,
        checkpoint: { ...signed, lastTxid: tail.txid, lastAuditId: tail.id, edge: range.nodes },
        event: { eventType: 'audit.checkpoint', payload: JSON.stringify(payload) },
      })
      return { sealer: true, sealed: rows.length, treeSize: range.size }
    },
    // Run again after a COMMIT lost in a failover, it starts from whatever checkpoint committed.
    { idempotent: true },
  )
}

/**
 * The perfect subtrees a computation asks for, loaded in two queries: it runs once against a recorder
 * to learn which nodes and leaves it needs (the proofs' shape depends on sizes only), then again
 * against the loaded hashes.
 */
async function loadedSubtrees(q: Queryable, compute: (tree: PerfectSubtrees) => void): Promise<PerfectSubtrees> {
  const nodeKeys = new Map<string, { level: number; index: number }>()
  const ranges: Array<{ from: number; to: number }> = []
  const zero = Buffer.alloc(32)
  compute({
    hash(level, index) {
      if (level >= STORED_LEVEL) nodeKeys.set(`${level}:${index}`, { level, index })
      else ranges.push({ from: index * 2 ** level, to: (index + 1) * 2 ** level })
      return zero
    },
  })
  const stored = new Map((await treeNodes(q, [...nodeKeys.values()])).map((n) => [`${n.level}:${n.index}`, n.hash]))
  const leaves = await leafHashes(q, ranges)
  const fromLeaves = (level: number, index: number): Buffer => {
    if (level === 0) {
      const leaf = leaves.get(index)
      if (!leaf) throw new Error(`audit leaf ${index} is missing`)
      return leaf
    }
    return nodeHash(fromLeaves(level - 1, index * 2), fromLeaves(level - 1, index * 2 + 1))
  }
  return {
    hash(level, index) {
      if (level < STORED_LEVEL) return fromLeaves(level, index)
      const node = stored.get(`${level}:${index}`)
      if (!node) throw new Error(`audit tree node ${level}:${index} is missing`)
      return node
    },
  }
}

export interface TrailItem extends Record<string, unknown> {
  auditId: string
  /** Its leaf in the tree; null while the row waits for the sealer. */
  leafIndex: number | null
  /** The entry exactly as stored: the leaf is SHA-256(0x00 ‖ "<auditId>\n<entry>"). */
  entry: string
  leafHash: string
  /** Inclusion proof against `checkpoint` (hex, deepest first); null when not in that checkpoint. */
  proof: string[] | null
}

export interface AuditTrail {
  entityType: string
  entityId: string
  /** The latest signed checkpoint; null before the first seal. */
  checkpoint: CheckpointJson | null
  items: TrailItem[]
}

/**
 * The audit trail of one record, oldest first, each entry with its inclusion proof against the
 * latest signed checkpoint: checkable offline with the public key (docs/operations/audit.md).
 * Before/after images are as sensitive as the record: an officer sees the trail of a record their
 * office took part in (made one of its changes); an admin sees every trail.
 */
export async function auditTrailWithProofs(q: Queryable, actor: Actor, logName: string, entityType: string, entityId: string): Promise<AuditTrail> {
  const rows = await sealedRowsOf(q, entityType, entityId)
  if (rows.length === 0) throw notFound('AUDIT_TRAIL_NOT_FOUND', `No audit trail for ${entityType} ${entityId}`)
  if (actor.role !== 'admin' && !rows.some((r) => r.office === actor.office)) {
    throw forbidden('OFFICE_FORBIDDEN', 'Only an office that took part in this record may read its audit trail')
  }
  const checkpoint = await latestCheckpoint(q)
  const size = checkpoint?.treeSize ?? 0
  const provable = rows.filter((r) => r.leafIndex !== null && Number(r.leafIndex) < size)
  const prove = (tree: PerfectSubtrees) => new Map(provable.map((r) => [r.auditId, inclusionProof(tree, Number(r.leafIndex), size)]))
  const proofs = provable.length > 0 ? prove(await loadedSubtrees(q, prove)) : new Map<string, Buffer[]>()
  return {
    entityType,
    entityId,
    checkpoint: checkpoint && checkpointJson(logName, checkpoint),
    items: rows.map((r) => ({
      ...(JSON.parse(r.entry) as Record<string, unknown>),
      auditId: r.auditId,
      leafIndex: r.leafIndex === null ? null : Number(r.leafIndex),
      entry: r.entry,
      leafHash: leafHash(leafDataOf(r.auditId, r.entry)).toString('hex'),
      proof: proofs.get(r.auditId)?.map((p) => p.toString('hex')) ?? null,
    })),
  }
}

export interface Consistency {
  from: CheckpointJson
  to: CheckpointJson
  /** RFC 9162 §2.1.4 consistency proof from `from` to `to`, hex. */
  proof: string[]
}

/**
 * Proof that the tree of a checkpoint an auditor kept (`fromSize`) is the start of a later one's
 * (`toSize`, by default the latest): nothing they saw before was changed (docs/operations/audit.md).
 * Both sizes must be signed checkpoints, so each end can be checked against its signature.
 */
export async function auditConsistency(q: Queryable, logName: string, fromSize: number, toSize?: number): Promise<Consistency> {
  const from = await checkpointOfSize(q, fromSize)
  if (!from) throw notFound('AUDIT_CHECKPOINT_NOT_FOUND', `No signed checkpoint of ${fromSize} leaves`)
  const to = toSize === undefined ? await latestCheckpoint(q) : await checkpointOfSize(q, toSize)
  if (!to) throw notFound('AUDIT_CHECKPOINT_NOT_FOUND', `No signed checkpoint of ${toSize} leaves`)
  if (to.treeSize < from.treeSize) {
    throw unprocessable('AUDIT_CHECKPOINT_ORDER', `The later checkpoint (${to.treeSize} leaves) is smaller than the earlier one (${from.treeSize})`)
  }
  const prove = (tree: PerfectSubtrees) => consistencyProof(tree, from.treeSize, to.treeSize)
  const proof = prove(await loadedSubtrees(q, prove))
  return { from: checkpointJson(logName, from), to: checkpointJson(logName, to), proof: proof.map((p) => p.toString('hex')) }
}
