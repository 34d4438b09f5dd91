// SQL of sealing the audit trail (migrations/012_audit_seal.sql): the sealer's batch, the checkpoints,
// the tree's stored nodes for proofs, and the walks of verification.
import type { Queryable } from './database.ts'
import { isoOf } from './write-statement.ts'

// Any constant shared by every sealer: the transaction-scoped advisory lock that makes one sealer at a
// time work in the whole cluster (a new primary after a failover starts without it).
const SEALER_LOCK = 1_301_362_019

export interface CheckpointRecord {
  treeSize: number
  rootHash: Buffer
  signedAt: string
  keyId: string
  signature: Buffer
  lastTxid: string
  lastAuditId: string
  edge: Buffer[]
}

export interface RowToSeal {
  id: string
  txid: string
  entry: string
}

export interface NewSeal {
  leaves: Array<{ index: number; auditId: string; hash: Buffer }>
  nodes: Array<{ level: number; index: number; hash: Buffer }>
  checkpoint: CheckpointRecord
  event: { eventType: string; payload: string }
}

const CHECKPOINT = `c.tree_size AS "treeSize", c.root_hash AS "rootHash", ${isoOf('c.signed_at')} AS "signedAt", c.key_id AS "keyId",
  c.signature, c.last_txid::text AS "lastTxid", c.last_audit_id::text AS "lastAuditId", c.edge`

/** The sealer's lock, for this transaction only; false when another sealer holds it. */
export async function trySealerLock(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEALER_LOCK])
  return rows[0]?.locked === true
}

export async function latestCheckpoint(q: Queryable): Promise<CheckpointRecord | null> {
  const { rows } = await q.query<CheckpointRecord & { treeSize: string }>(
    `SELECT ${CHECKPOINT} FROM audit_checkpoints c ORDER BY c.tree_size DESC LIMIT 1`,
  )
  const row = rows[0]
  return row ? { ...row, treeSize: Number(row.treeSize) } : null
}

/** The checkpoint of exactly `treeSize` leaves, if one was signed at that size. */
export async function checkpointOfSize(q: Queryable, treeSize: number): Promise<CheckpointRecord | null> {
  const { rows } = await q.query<CheckpointRecord & { treeSize: string }>(
    `SELECT ${CHECKPOINT} FROM audit_checkpoints c WHERE c.tree_size = $1`,
    [treeSize],
  )
  const row = rows[0]
  return row ? { ...row, treeSize: Number(row.treeSize) } : null
}

/** Checkpoints after `afterSize`, smallest first (the exporter's and the verifier's reading). */
export async function checkpointsAfter(q: Queryable, afterSize: number, limit: number): Promise<CheckpointRecord[]> {
  const { rows } = await q.query<CheckpointRecord & { treeSize: string }>(
    `SELECT ${CHECKPOINT} FROM audit_checkpoints c WHERE c.tree_size > $1 ORDER BY c.tree_size LIMIT $2`,
    [afterSize, limit],
  )
  return rows.map((r) => ({ ...r, treeSize: Number(r.treeSize) }))
}

/**
 * The next rows in the sealing order after `after`, counting only transactions that have ended:
 * a transaction id below the snapshot's xmin can no longer add rows, so no row will ever appear
 * before one sealed here. A commit still waiting for its synchronous standby counts as running.
 */
export async function rowsToSeal(q: Queryable, after: { txid: string; id: string } | null, limit: number): Promise<RowToSeal[]> {
  const { rows } = await q.query<RowToSeal>(
    `SELECT a.id::text, a.txid::text, a.entry FROM audit_log a
      WHERE a.txid < pg_snapshot_xmin(pg_current_snapshot())
        AND ($1::xid8 IS NULL OR (a.txid, a.id) > ($1::xid8, $2::bigint))
      ORDER BY a.txid, a.id LIMIT $3`,
    [after?.txid ?? null, after?.id ?? null, limit],
  )
  return rows
}

/** One batch's leaves, tree nodes, checkpoint and outbox event, in one statement. */
export async function insertSeal(q: Queryable, s: NewSeal): Promise<void> {
  const c = s.checkpoint
  await q.query(
    `WITH leaves AS (
       INSERT INTO audit_leaves (leaf_index, audit_id, leaf_hash)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])),
     nodes AS (
       INSERT INTO audit_tree_nodes (level, node_index, hash)
       SELECT * FROM unnest($4::smallint[], $5::bigint[], $6::bytea[])),
     event AS (
       INSERT INTO outbox (event_type, entity_type, entity_id, payload) VALUES ($15, 'audit_checkpoint', $7::bigint::text, $16::jsonb))
     INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, key_id, signature, last_txid, last_audit_id, edge)
     VALUES ($7::bigint, $8, $9, $10, $11, $12::xid8, $13, $14::bytea[])`,
    [
      s.leaves.map((l) => l.index), s.leaves.map((l) => l.auditId), s.leaves.map((l) => l.hash),
      s.nodes.map((n) => n.level), s.nodes.map((n) => n.index), s.nodes.map((n) => n.hash),
      c.treeSize, c.rootHash, c.signedAt, c.keyId, c.signature, c.lastTxid, c.lastAuditId, c.edge,
      s.event.eventType, s.event.payload,
    ],
  )
}

/** Rows not sealed yet and the age of the oldest (what the sealing lag metrics show). */
export async function sealingLag(q: Queryable): Promise<{ unsealed: number; oldestSeconds: number | null }> {
  const { rows } = await q.query<{ unsealed: number; oldest_seconds: number | null }>(
    `WITH last AS (SELECT last_txid, last_audit_id FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1)
     SELECT count(*)::int AS unsealed, EXTRACT(EPOCH FROM now() - min(a.recorded_at))::float8 AS oldest_seconds
       FROM audit_log a
      WHERE NOT EXISTS (SELECT 1 FROM last) OR (a.txid, a.id) > (SELECT last_txid, last_audit_id FROM last)`,
  )
  const row = rows[0]
  return { unsealed: row?.unsealed ?? 0, oldestSeconds: row?.oldest_seconds ?? null }
}

/** Stored nodes of level ≥ 8 by (level, index). */
export async function treeNodes(q: Queryable, keys: Array<{ level: number; index: number }>): Promise<Array<{ level: number; index: number; hash: Buffer }>> {
  if (keys.length === 0) return []
  const { rows } = await q.query<{ level: number; index: string; hash: Buffer }>(
    `SELECT n.level, n.node_index::text AS index, n.hash FROM audit_tree_nodes n
       JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, node_index) ON n.level = k.level AND n.node_index = k.node_index`,
    [keys.map((k) => k.level), keys.map((k) => k.index)],
  )
  return rows.map((r) => ({ level: r.level, index: Number(r.index), hash: r.hash }))
}

/** Leaf hashes of the given index ranges [from, to). */
export async function leafHashes(q: Queryable, ranges: Array<{ from: number; to: number }>): Promise<Map<number, Buffer>> {
  if (ranges.length === 0) return new Map()
  const { rows } = await q.query<{ index: string; hash: Buffer }>(
    `SELECT l.leaf_index::text AS index, l.leaf_hash AS hash FROM audit_leaves l
       JOIN unnest($1::bigint[], $2::bigint[]) AS r(from_index, to_index) ON l.leaf_index >= r.from_index AND l.leaf_index < r.to_index`,
    [ranges.map((r) => r.from), ranges.map((r) => r.to)],
  )
  return new Map(rows.map((r) => [Number(r.index), r.hash]))
}

/** The rows of one record with their place in the tree (null while not sealed), oldest first. */
export async function sealedRowsOf(
  q: Queryable,
  entityType: string,
  entityId: string,
): Promise<Array<{ auditId: string; leafIndex: string | null; office: string; entry: string }>> {
  const { rows } = await q.query<{ auditId: string; leafIndex: string | null; office: string; entry: string }>(
    `SELECT a.id::text AS "auditId", l.leaf_index::text AS "leafIndex", a.office, a.entry
       FROM audit_log a LEFT JOIN audit_leaves l ON l.audit_id = a.id
      WHERE a.entity_type = $1 AND a.entity_id = $2 ORDER BY a.id`,
    [entityType, entityId],
  )
  return rows
}

export interface LeafWithRow {
  leafIndex: number
  leafHash: Buffer
  auditId: string
  /** Null when the leaf's row is gone. */
  row: { entityType: string; entityId: string; action: string; officerId: string; office: string; occurredAt: string; entry: string } | null
}

/** Leaves from `fromIndex` in order with their rows (the verifier's walk), `limit` at a time. */
export async function leavesWithRows(q: Queryable, fromIndex: number, limit: number): Promise<LeafWithRow[]> {
  const { rows } = await q.query<{
    leaf_index: string; leaf_hash: Buffer; audit_id: string; present: boolean
    entity_type: string; entity_id: string; action: string; officer_id: string; office: string; occurred_at: string; entry: string
  }>(
    `SELECT l.leaf_index::text, l.leaf_hash, l.audit_id::text, a.id IS NOT NULL AS present, a.entity_type, a.entity_id, a.action,
            a.officer_id, a.office, ${isoOf('a.occurred_at')} AS occurred_at, a.entry
       FROM audit_leaves l LEFT JOIN audit_log a ON a.id = l.audit_id
      WHERE l.leaf_index >= $1 ORDER BY l.leaf_index LIMIT $2`,
    [fromIndex, limit],
  )
  return rows.map((r) => ({
    leafIndex: Number(r.leaf_index),
    leafHash: r.leaf_hash,
    auditId: r.audit_id,
    row: r.present
      ? { entityType: r.entity_type, entityId: r.entity_id, action: r.action, officerId: r.officer_id, office: r.office, occurredAt: r.occurred_at, entry: r.entry }
      : null,
  }))
}

/** Rows that the last checkpoint's position says were sealed but have no leaf (inserted into the past, or skipped). */
export async function unsealedRowsBefore(q: Queryable, last: { txid: string; id: string }, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT a.id::text FROM audit_log a
      WHERE (a.txid, a.id) <= ($1::xid8, $2::bigint) AND NOT EXISTS (SELECT 1 FROM audit_leaves l WHERE l.audit_id = a.id)
      ORDER BY a.txid, a.id LIMIT $3`,
    [last.txid, last.id, limit],
  )
  return rows.map((r) => r.id)
}

/** Rows sealed more than once (the unique constraint dropped by someone). */
export async function doublySealedRows(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ audit_id: string }>(
    'SELECT audit_id::text FROM audit_leaves GROUP BY audit_id HAVING count(*) > 1 ORDER BY audit_id LIMIT $1',
    [limit],
  )
  return rows.map((r) => r.audit_id)
}
