// Attacks on the audit trail (issue 13.4), each in its own test, each refused or detected with the code
// that names it. The attacker is the app's role (refused by privileges) or a superuser over the
// primary's local socket, who can switch triggers off and rewrite any table — but cannot sign a
// checkpoint without the app's key, nor reach the copies kept outside PostgreSQL. The striped hash
// chains these replace verified as intact after a re-chained tail or a truncate-and-reset.
import t, { type Test } from 'tap'
import type pg from 'pg'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { keyIdOf, signCheckpoint, checkpointText } from '../../src/services/audit-checkpoint.ts'
import { CHECKPOINT_FILE } from '../../src/services/audit-checkpoint-store.ts'
import { verifyAuditTrail, type VerifyReport } from '../../src/services/audit-verify-service.ts'
import { leafHash, nodeHash } from '../../src/services/merkle-tree.ts'
import { buildTestApp, createHandoverThroughApi, schemaClient, sealEverything, testSuperuserDatabaseUrl, type TestApp } from '../helper.ts'

/** A trail of `n` handovers created through the API, sealed (in two passes, so at least two checkpoints) and exported. */
async function sealedTrail(t: Test, n = 6): Promise<TestApp> {
  const api = await buildTestApp(t)
  for (let i = 0; i < n; i++) {
    await createHandoverThroughApi(api, `route ${i}`)
    if (i === Math.floor(n / 2)) await sealEverything(api.app)
  }
  await sealEverything(api.app)
  return api
}

/** A superuser session with triggers (and so the append-only guard and foreign keys) switched off. */
async function superuser(t: Test, api: TestApp): Promise<pg.Client> {
  const su = await schemaClient(t, api.schema, testSuperuserDatabaseUrl())
  await su.query('SET session_replication_role = replica')
  return su
}

async function verify(t: Test, api: TestApp): Promise<VerifyReport> {
  const { logName, trustedKeys, store } = api.app.audit
  const client = await schemaClient(t, api.schema)
  return verifyAuditTrail(client, { logName, keys: trustedKeys, stores: store ? [store] : [] })
}

const codes = (r: VerifyReport) => [...new Set(r.problems.map((p) => p.code))].sort()

t.test('the untouched trail verifies, in the database and the store', async (t) => {
  const api = await sealedTrail(t)
  const report = await verify(t, api)
  t.same(report.problems, [])
  t.equal(report.leaves, 6)
  t.ok(report.checkpoints >= 2, `${report.checkpoints} checkpoints (sealed in at least two passes)`)
  t.same(report.stores.map((s) => s.checkpoints), [report.checkpoints], 'every checkpoint copied outside PostgreSQL')
})

// The drill's audit check once read the stores after its snapshot: a seal committed in between was in
// a store and not in the snapshot, and looked like a truncated log (run 20261206T091910Z).
t.test('a seal committed while the verifier reads is no finding: the stores are read before its snapshot', async (t) => {
  const api = await sealedTrail(t)
  const { logName, trustedKeys, store } = api.app.audit
  const client = await schemaClient(t, api.schema)
  let inTransaction = false
  let sealedMeanwhile = 0
  const q = {
    async query(text: string, values?: unknown[]) {
      const result = await client.query(text, values)
      if (/^BEGIN/.test(text)) inTransaction = true
      else if (inTransaction && sealedMeanwhile === 0) {
        // The snapshot is taken: another change is sealed and exported now.
        await createHandoverThroughApi(api, 'sealed while the verifier reads')
        await sealEverything(api.app)
        sealedMeanwhile = (await api.sql<{ n: number }>('SELECT count(*)::int AS n FROM audit_leaves')).rows[0]!.n
      }
      return result
    },
  }
  const report = await verifyAuditTrail(q as unknown as pg.Client, { logName, keys: trustedKeys, stores: store ? [store] : [] })
  t.equal(sealedMeanwhile, 7, 'a seventh leaf was sealed and exported during the check')
  t.same(report.problems, [], 'not a truncated log')
  t.equal(report.leaves, 6, 'the snapshot holds the six leaves before it')
})

t.test("a row's content edited by the app's role: refused", async (t) => {
  const api = await sealedTrail(t)
  const err = await api.sql("UPDATE audit_log SET entry = replace(entry, 'route 1', 'route X')").catch((e: unknown) => e)
  t.equal((err as { code?: string }).code, '42501', 'permission denied')
  t.same((await verify(t, api)).problems, [], 'nothing changed')
})

t.test("a row's content edited by a superuser: detected (ROW_CONTENT_CHANGED)", async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  const { rowCount } = await su.query("UPDATE audit_log SET entry = replace(entry, 'route 1', 'route X') WHERE entry LIKE '%route 1%'")
  t.equal(rowCount, 1)
  const report = await verify(t, api)
  t.same(codes(report), ['CHECKPOINT_ROOT_MISMATCH', 'ROW_CONTENT_CHANGED'], 'the row, and every checkpoint over it')
  t.match(report.problems.find((p) => p.code === 'ROW_CONTENT_CHANGED'), { leafIndex: 1 })
})

t.test('a row deleted by a superuser: detected (ROW_MISSING)', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  await su.query("DELETE FROM audit_log WHERE entry LIKE '%route 2%'")
  t.same(codes(await verify(t, api)), ['ROW_MISSING'])
})

t.test('a sequence gap (a leaf removed with its row): detected (SEQUENCE_GAP, and no checkpoint holds)', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  await su.query('DELETE FROM audit_log WHERE id = (SELECT audit_id FROM audit_leaves WHERE leaf_index = 2)')
  await su.query('DELETE FROM audit_leaves WHERE leaf_index = 2')
  const report = await verify(t, api)
  t.ok(codes(report).includes('SEQUENCE_GAP'), codes(report).join(', '))
  t.ok(codes(report).includes('CHECKPOINT_ROOT_MISMATCH'), 'the trail under every later checkpoint differs')
})

t.test('the log truncated and re-grown by a superuser: detected by the store outside PostgreSQL', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  await su.query('TRUNCATE audit_log, audit_leaves, audit_tree_nodes, audit_checkpoints')
  // The app goes on writing and sealing: the database alone now holds a new, self-consistent log,
  // signed by the real key — but the copies outside PostgreSQL remember the old one.
  for (let i = 0; i < 3; i++) {
    await createHandoverThroughApi(api, `regrown ${i}`)
  }
  await sealEverything(api.app)
  const report = await verify(t, api)
  t.ok(codes(report).includes('CHECKPOINT_DIFFERS') || codes(report).includes('CHECKPOINT_MISSING_IN_DATABASE'), codes(report).join(', '))
  t.ok(codes(report).includes('CHECKPOINT_BEYOND_TREE') || codes(report).includes('CHECKPOINT_ROOT_MISMATCH'), 'the old checkpoints do not match the re-grown trail')
})

t.test('the whole tail re-chained by a superuser with freshly computed hashes: detected (signature, store)', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  // Rewrite every row from leaf 1 on, recompute their leaves and the tree, and put the new roots into
  // the checkpoints: everything in the database agrees again, except the signatures.
  await su.query("UPDATE audit_log SET entry = replace(entry, 'route ', 'rewritten ') WHERE id IN (SELECT audit_id FROM audit_leaves WHERE leaf_index >= 1)")
  const { rows } = await su.query<{ leaf_index: string; audit_id: string; entry: string }>(
    'SELECT l.leaf_index::text, l.audit_id::text, a.entry FROM audit_leaves l JOIN audit_log a ON a.id = l.audit_id ORDER BY l.leaf_index',
  )
  const leaves = rows.map((r) => leafHash(`${r.audit_id}\n${r.entry}`))
  for (const [i, r] of rows.entries()) await su.query('UPDATE audit_leaves SET leaf_hash = $1 WHERE leaf_index = $2', [leaves[i], r.leaf_index])
  const rootOf = (n: number): Buffer => {
    const mth = (a: number, b: number): Buffer => {
      if (b - a === 1) return leaves[a] as Buffer
      let k = 1
      while (k * 2 < b - a) k *= 2
      return nodeHash(mth(a, a + k), mth(a + k, b))
    }
    return mth(0, n)
  }
  const checkpoints = await su.query<{ tree_size: string }>('SELECT tree_size::text FROM audit_checkpoints')
  for (const c of checkpoints.rows) await su.query('UPDATE audit_checkpoints SET root_hash = $1 WHERE tree_size = $2', [rootOf(Number(c.tree_size)), c.tree_size])
  const report = await verify(t, api)
  t.ok(codes(report).includes('CHECKPOINT_SIGNATURE_INVALID'), codes(report).join(', '))
  t.ok(codes(report).includes('CHECKPOINT_DIFFERS'), 'the copies outside PostgreSQL keep the signed roots')
  t.notOk(codes(report).includes('ROW_CONTENT_CHANGED'), 'the rows and leaves agree with each other: only the signatures and the store give it away')
})

t.test('a checkpoint forged without the key: detected (CHECKPOINT_SIGNATURE_INVALID), never exported, never built on', async (t) => {
  const api = await sealedTrail(t)
  const storeFile = join(api.app.audit.store?.name as string, CHECKPOINT_FILE)
  const exported = readFileSync(storeFile, 'utf8').trim().split('\n').length
  const su = await superuser(t, api)
  await su.query(`INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, key_id, signature, last_txid, last_audit_id, edge)
    SELECT tree_size + 1, root_hash, signed_at, key_id, signature, last_txid, last_audit_id, edge FROM audit_checkpoints
     ORDER BY tree_size DESC LIMIT 1`)
  const report = await verify(t, api)
  t.ok(codes(report).includes('CHECKPOINT_SIGNATURE_INVALID'), codes(report).join(', '))
  await createHandoverThroughApi(api)
  await t.rejects(api.app.audit.sealNow(), /does not carry a valid signature/, 'the sealer refuses to sign on top of it')
  const stored = readFileSync(storeFile, 'utf8').trim().split('\n')
  t.equal(stored.length, exported, 'the store did not take the forged checkpoint')
})

t.test('a checkpoint replaced by one signed with another key: detected (CHECKPOINT_KEY_UNKNOWN)', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  const intruder = generateKeyPairSync('ed25519')
  const { rows } = await su.query<{ tree_size: string; root_hash: Buffer }>('SELECT tree_size::text, root_hash FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1')
  const c = rows[0] as { tree_size: string; root_hash: Buffer }
  const forged = signCheckpoint(api.app.audit.logName, { key: intruder.privateKey, keyId: keyIdOf(intruder.publicKey) },
    { treeSize: Number(c.tree_size), rootHash: c.root_hash, signedAt: new Date().toISOString() })
  t.ok(checkpointText(api.app.audit.logName, forged).includes(c.tree_size))
  await su.query('UPDATE audit_checkpoints SET key_id = $1, signature = $2, signed_at = $3 WHERE tree_size = $4', [forged.keyId, forged.signature, forged.signedAt, c.tree_size])
  const report = await verify(t, api)
  t.ok(codes(report).includes('CHECKPOINT_KEY_UNKNOWN'), codes(report).join(', '))
  t.ok(codes(report).includes('CHECKPOINT_DIFFERS'), 'and it differs from the copy outside PostgreSQL')
})

t.test('checkpoints deleted from the database: detected by the store (CHECKPOINT_MISSING_IN_DATABASE)', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  await su.query('DELETE FROM audit_checkpoints WHERE tree_size = (SELECT min(tree_size) FROM audit_checkpoints)')
  t.same(codes(await verify(t, api)), ['CHECKPOINT_MISSING_IN_DATABASE'])
})

t.test('checkpoints deleted from the store: detected against the database (CHECKPOINT_MISSING_IN_STORE)', async (t) => {
  const api = await sealedTrail(t)
  const file = join(api.app.audit.store?.name as string, CHECKPOINT_FILE)
  const lines = readFileSync(file, 'utf8').trim().split('\n')
  writeFileSync(file, `${lines.slice(1).join('\n')}\n`)
  t.same(codes(await verify(t, api)), ['CHECKPOINT_MISSING_IN_STORE'])
})

t.test('a row inserted into the sealed past by a superuser: detected (ROW_NOT_SEALED)', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  await su.query(`INSERT INTO audit_log (txid, entity_type, entity_id, action, officer_id, office, occurred_at, entry)
    VALUES ('1'::xid8, 'handover', 'H-forged', 'create', '02CI-officer', '02CI', now(),
            '{"action":"create","entityId":"H-forged","entityType":"handover","office":"02CI","officerId":"02CI-officer"}')`)
  t.same(codes(await verify(t, api)), ['ROW_NOT_SEALED'])
})

t.test("a row's columns changed but not its sealed entry: detected (COLUMNS_DIFFER_FROM_ENTRY)", async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  // Queries by officer or office read the columns: a change there would hide a change from them.
  await su.query("UPDATE audit_log SET officer_id = 'someone-else' WHERE id = (SELECT audit_id FROM audit_leaves WHERE leaf_index = 3)")
  t.same(codes(await verify(t, api)), ['COLUMNS_DIFFER_FROM_ENTRY'])
})

t.test("the tree's stored edge changed to steer the next root: detected (EDGE_MISMATCH), and the sealer refuses", async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  await su.query("UPDATE audit_checkpoints SET edge = array_replace(edge, edge[1], '\\x00'::bytea || substring(edge[1] from 2)) WHERE tree_size = (SELECT max(tree_size) FROM audit_checkpoints)")
  t.same(codes(await verify(t, api)), ['EDGE_MISMATCH'])
  await createHandoverThroughApi(api)
  await t.rejects(api.app.audit.sealNow(), /does not give its signed root/, 'no checkpoint is signed on top of it')
})

t.test('a row sealed twice (the unique index dropped by a superuser): detected (DOUBLE_SEAL)', async (t) => {
  const api = await sealedTrail(t)
  const su = await superuser(t, api)
  await su.query('ALTER TABLE audit_leaves DROP CONSTRAINT audit_leaves_audit_id_key')
  await su.query(`INSERT INTO audit_leaves (leaf_index, audit_id, leaf_hash)
    SELECT (SELECT max(leaf_index) + 1 FROM audit_leaves), audit_id, leaf_hash FROM audit_leaves WHERE leaf_index = 0`)
  const found = codes(await verify(t, api))
  t.ok(found.includes('DOUBLE_SEAL'), found.join(', '))
})
