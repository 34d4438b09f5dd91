// The drills' write checker (chaos/verify/acknowledged-writes.ts) on a real PostgreSQL, fed a
// synthetic journal of acknowledgements: writes made through the app are all found and none is a
// duplicate; an acknowledged write that is not in the database is lost; a write that took effect
// twice (one more audit event than acknowledgements) is a duplicate, for a create and an update.
import t from 'tap'
import { duplicatesOn, missingOn } from '../../chaos/verify/acknowledged-writes.ts'
import type { AckRecord } from '../../chaos/verify/journal.ts'
import { actorOf, buildTestApp, paperDeclarationBody, schemaClient } from '../helper.ts'

const declaration = paperDeclarationBody

t.test('the checker finds every write the app acknowledged, and flags a lost one and a duplicate', async (t) => {
  const api = await buildTestApp(t)
  const caller = actorOf().officerId
  const acks: AckRecord[] = []
  for (const n of [1, 2, 3]) {
    const key = `checker-create-${n}`
    const res = await api.as({}, { method: 'POST', url: '/api/v1/paper-declarations', payload: declaration(n), headers: { 'idempotency-key': key } })
    t.equal(res.statusCode, 201)
    acks.push({ kind: 'declaration.create', caller, key, id: res.json().id, at: Date.now(), expect: { version: res.json().version } })
  }
  const first = acks[0]!
  const update = await api.as({}, {
    method: 'PUT',
    url: `/api/v1/paper-declarations/${first.id}`,
    payload: (({ office, receiptYear, receiptNumber, ...content }) => ({ ...content, status: 'RELEASED' }))(declaration(1)),
    headers: { 'idempotency-key': 'checker-update-1', 'if-match': `"${first.expect.version}"` },
  })
  t.equal(update.statusCode, 200, update.body)
  acks.push({ kind: 'declaration.update', caller, key: 'checker-update-1', id: first.id, at: Date.now(), expect: { version: update.json().version } })

  const client = await schemaClient(t, api.schema)

  t.same(await missingOn(client, acks), [], 'every acknowledged write found')
  t.same(await duplicatesOn(client, acks), [], 'none taken twice')

  const lost: AckRecord = { kind: 'declaration.create', caller, key: 'checker-never-written', id: '02CI-2025-99', at: Date.now(), expect: { version: 1 } }
  const missing = await missingOn(client, [...acks, lost])
  t.same(missing.map((m) => [m.key, m.what]), [['checker-never-written', 'idempotency record and entity']], 'the lost write, by key, with what is missing')

  const ahead: AckRecord = { ...acks[3]!, key: 'checker-update-1', expect: { version: 99 } }
  t.same((await missingOn(client, [ahead])).map((m) => m.what), ['version'], 'an update acknowledged at a version the database never reached')

  // A second audit event for the same create: the write took effect twice.
  const event = async (id: string, action: string) =>
    client.query(
      `INSERT INTO audit_log (entry, entity_type, entity_id, action, officer_id, office, occurred_at)
       VALUES ('{}', 'paper_declaration', $1, $2, $3, '02CI', now())`,
      [id, action, caller],
    )
  await event(acks[1]!.id, 'create')
  await event(first.id, 'update')
  const duplicates = await duplicatesOn(client, acks)
  t.same(duplicates.map((d) => [d.kind, d.key, d.entities]).sort(), [
    ['declaration.create', 'checker-create-2', 2],
    ['declaration.update', 'checker-update-1', 2],
  ])
})

t.test('an amendment, an extension asked for and approved, and an incident are found by their version; a missing approval is a lost write', async (t) => {
  const api = await buildTestApp(t)
  const officer = { office: '02CI', officerId: '02CI-001' }
  const supervisor = { office: '02CI', officerId: '02CI-900', role: 'supervisor' as const }
  const created = await api.as(officer, {
    method: 'POST', url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS', destinationPlace: 'ICD', declarationNumbers: ['108557295040'],
      containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: 'HQ1' }],
      vehicle: '51C-123.45', route: 'R', dueAt: new Date(Date.now() + 8 * 3_600_000).toISOString(),
    },
  })
  const id = created.json().id
  const amendment = async (actor: object, key: string, version: number, payload: object) => {
    const res = await api.as(actor, { method: 'POST', url: `/api/v1/handovers/${id}/amendments`, payload, headers: { 'idempotency-key': key, 'if-match': `"${version}"` } })
    t.equal(res.statusCode, 200, res.body)
    return res.json().version as number
  }
  const v2 = await amendment(officer, 'checker-amend', 1, { reason: 'Đổi xe', vehicle: '51C-999.99' })
  const asked = await api.as(officer, {
    method: 'POST', url: `/api/v1/handovers/${id}/approval-requests/extension`,
    payload: { reason: 'Gia hạn', dueAt: new Date(Date.now() + 10 * 3_600_000).toISOString() },
    headers: { 'idempotency-key': 'checker-ask', 'if-match': `"${v2}"` },
  })
  t.equal(asked.statusCode, 201, asked.body)
  const approved = await api.as(supervisor, { method: 'POST', url: `/api/v1/approvals/${asked.json().id}/approve`, headers: { 'idempotency-key': 'checker-approve' } })
  t.equal(approved.statusCode, 200, approved.body)
  const v3 = approved.json().version as number
  const incident = await api.as(officer, {
    method: 'POST', url: `/api/v1/handovers/${id}/incidents`, headers: { 'idempotency-key': 'checker-incident' },
    payload: {
      kind: 'SEAL_REPLACED', office: '02CI', occurredAt: new Date().toISOString(), place: 'Cổng B', reason: 'Soi chiếu',
      seals: [{ containerNumber: 'CSQU3054383', oldSeal: 'HQ1', newSeal: 'HQ1R' }],
    },
  })
  t.equal(incident.statusCode, 200, incident.body)
  const acks: AckRecord[] = [
    { kind: 'handover.amend', caller: officer.officerId, key: 'checker-amend', id, at: Date.now(), expect: { version: v2 } },
    { kind: 'approval.approve', caller: supervisor.officerId, key: 'checker-approve', id, at: Date.now(), expect: { version: v3 } },
    { kind: 'handover.incident', caller: officer.officerId, key: 'checker-incident', id, at: Date.now(), expect: { version: incident.json().version } },
  ]
  const client = await schemaClient(t, api.schema)
  const request: AckRecord = { kind: 'approval.request', caller: officer.officerId, key: 'checker-ask', id: asked.json().id, at: Date.now(), expect: {} }
  t.same(await missingOn(client, [...acks, request]), [], 'all four found')
  t.same(await duplicatesOn(client, [...acks, request]), [], 'two amend events for two acknowledged writes, one request, one incident: no duplicate')
  t.same((await missingOn(client, [{ ...acks[2]!, expect: { version: v3 } }])).map((m) => m.kind), ['handover.incident'], 'an incident at a version that holds none is not there')
  // An approval acknowledged at a version that holds no approved extension (the officer's amendment) is not there.
  const unapproved: AckRecord = { ...acks[1]!, expect: { version: v2 } }
  t.same((await missingOn(client, [unapproved])).map((m) => m.kind), ['approval.approve'])
  // Nor a request that was never stored.
  t.same((await missingOn(client, [{ ...request, key: 'checker-ask-other', id: '00000000-0000-4000-8000-000000000000' }])).map((m) => m.kind), ['approval.request'])
})
