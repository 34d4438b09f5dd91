// Proofs an auditor checks offline (issue 13.3): the trail of a record comes with inclusion proofs
// against the latest signed checkpoint, a consistency proof links a checkpoint kept earlier to a later
// one, and docs/examples/audit-proof-check.ts — Node and node:crypto only — accepts them as given and
// refuses them when an entry, a root, a signature or a proof was changed on the way.
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildTestApp, createHandoverThroughApi, sealEverything, testAuditKeys, type TestApp } from '../helper.ts'

const EXAMPLE = join(import.meta.dirname, '../../docs/examples/audit-proof-check.ts')

async function trailOf(api: TestApp, id: string) {
  const res = await api.as('02CI', { method: 'GET', url: `/api/v1/audit/handover/${id}` })
  if (res.statusCode !== 200) throw new Error(`trail answered ${res.statusCode}: ${res.body}`)
  return res.json()
}

/** Runs the example as an auditor would, on files. */
function check(t: Test, trail: unknown, since?: { kept: unknown; consistency: unknown }): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tqdt-proof-'))
  writeFileSync(join(dir, 'trail.json'), JSON.stringify(trail))
  const args = [EXAMPLE, join(dir, 'trail.json'), testAuditKeys().publicKeyFile]
  if (since) {
    writeFileSync(join(dir, 'kept.json'), JSON.stringify(since.kept))
    writeFileSync(join(dir, 'consistency.json'), JSON.stringify(since.consistency))
    args.push('--since', join(dir, 'kept.json'), join(dir, 'consistency.json'))
  }
  const res = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 })
  t.comment(res.stdout.trim())
  return { status: res.status, out: `${res.stdout}${res.stderr}` }
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

t.test('a sealed trail verifies offline with the public key only; every tampering is caught', async (t) => {
  const api = await buildTestApp(t)
  for (let i = 0; i < 4; i++) await createHandoverThroughApi(api, `before ${i}`)
  const id = await createHandoverThroughApi(api, 'the one audited')
  for (let i = 0; i < 3; i++) await createHandoverThroughApi(api, `after ${i}`)
  await sealEverything(api.app)
  const trail = await trailOf(api, id)
  t.ok(trail.items.length >= 1 && trail.items.every((i: { proof: unknown }) => Array.isArray(i.proof)), 'every entry carries a proof')

  const good = check(t, trail)
  t.equal(good.status, 0, good.out)
  t.match(good.out, /VERIFIED/)

  const edited = clone(trail)
  edited.items[0].entry = edited.items[0].entry.replace('the one audited', 'another route')
  const e = check(t, edited)
  t.equal(e.status, 1, 'an entry changed on the way')
  t.match(e.out, /FAIL entry/)

  const rehashed = clone(trail)
  rehashed.items[0].entry = rehashed.items[0].entry.replace('the one audited', 'another route')
  rehashed.items[0].leafHash = createHash('sha256').update(Buffer.from([0])).update(`${rehashed.items[0].auditId}\n${rehashed.items[0].entry}`).digest('hex')
  const r = check(t, rehashed)
  t.equal(r.status, 1, 'an entry changed with its leaf hash recomputed: the proof no longer reaches the signed root')
  t.match(r.out, /is NOT in the signed tree/)

  const forgedRoot = clone(trail)
  forgedRoot.checkpoint.rootHash = 'ab'.repeat(32)
  const f = check(t, forgedRoot)
  t.equal(f.status, 1, 'a root changed without the key')
  t.match(f.out, /the signature does not verify/)

  const wrongProof = clone(trail)
  wrongProof.items[0].proof[0] = '00'.repeat(32)
  t.equal(check(t, wrongProof).status, 1, 'a proof changed')
})

t.test('a checkpoint kept from an earlier visit is proven to be the start of the current tree', async (t) => {
  const api = await buildTestApp(t)
  const id = await createHandoverThroughApi(api, 'kept')
  await createHandoverThroughApi(api, 'kept too')
  await createHandoverThroughApi(api, 'kept three')
  await sealEverything(api.app)
  const earlier = (await trailOf(api, id)).checkpoint
  for (let i = 0; i < 6; i++) await createHandoverThroughApi(api, `later ${i}`)
  await sealEverything(api.app)
  const trail = await trailOf(api, id)
  t.ok(trail.checkpoint.treeSize > earlier.treeSize)

  const res = await api.as('02CI', { method: 'GET', url: `/api/v1/audit/consistency?from=${earlier.treeSize}` })
  t.equal(res.statusCode, 200, res.body)
  const consistency = res.json()
  t.same(consistency.from, earlier, 'the earlier checkpoint, as kept')
  t.same(consistency.to, trail.checkpoint, 'to the latest')

  const ok = check(t, trail, { kept: earlier, consistency })
  t.equal(ok.status, 0, ok.out)
  t.match(ok.out, /extends the tree of/)

  const rewritten = clone(consistency)
  rewritten.from.rootHash = 'cd'.repeat(32)
  const bad = check(t, trail, { kept: earlier, consistency: rewritten })
  t.equal(bad.status, 1, 'a history that is not the one kept')
  t.match(bad.out, /does NOT extend|signature does not verify/)

  // Signed and consistent, but from another checkpoint than the one the auditor kept: what whoever
  // holds the key could answer after re-signing a rewritten history. Only the kept root catches it.
  const other = { ...earlier, rootHash: 'ef'.repeat(32) }
  const forked = check(t, trail, { kept: other, consistency })
  t.equal(forked.status, 1, 'a proof that does not start at the checkpoint kept')
  t.match(forked.out, /FAIL the consistency proof starts at the checkpoint kept/)

  const tampered = clone(consistency)
  tampered.proof[0] = '00'.repeat(32)
  const p = check(t, trail, { kept: earlier, consistency: tampered })
  t.equal(p.status, 1)
  t.match(p.out, /does NOT extend/)

  const none = await api.as('02CI', { method: 'GET', url: `/api/v1/audit/consistency?from=${earlier.treeSize + 1}` })
  t.equal(none.statusCode, 404)
  t.equal(none.json().code, 'AUDIT_CHECKPOINT_NOT_FOUND', 'only signed sizes can be asked for')
  const backwards = await api.as('02CI', { method: 'GET', url: `/api/v1/audit/consistency?from=${trail.checkpoint.treeSize}&to=${earlier.treeSize}` })
  t.equal(backwards.statusCode, 422)
  t.equal(backwards.json().code, 'AUDIT_CHECKPOINT_ORDER')
  const misspelt = await api.as('02CI', { method: 'GET', url: `/api/v1/audit/consistency?from=${earlier.treeSize}&too=${trail.checkpoint.treeSize}` })
  t.equal(misspelt.statusCode, 400, 'an unknown query parameter is refused, not ignored')
  t.same(misspelt.json().details?.map((p: { field: string; code: string }) => [p.field, p.code]), [['querystring.too', 'FIELD_UNKNOWN']], misspelt.body)
})

t.test('an entry not sealed yet is shown as waiting, not as proven', async (t) => {
  const api = await buildTestApp(t)
  await createHandoverThroughApi(api, 'sealed')
  await sealEverything(api.app)
  const id = await createHandoverThroughApi(api, 'not sealed yet')
  const trail = await trailOf(api, id)
  t.equal(trail.items[0].proof, null)
  const res = check(t, trail)
  t.equal(res.status, 0, 'nothing false in it')
  t.match(res.out, /WAIT entry/)
})
