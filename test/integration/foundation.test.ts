import t from 'tap'
import { buildTestApp, writeContextFor } from '../helper.ts'

t.test('health endpoints answer without a token', async (t) => {
  const { app } = await buildTestApp(t)
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200)
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200)
  const deps = (await app.internalListener.inject({ url: '/health/deps' })).json()
  t.equal(deps.database.primary.role, 'primary')
  app.draining = true
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 503, 'draining makes readiness fail')
})

t.test('authentication: 401 codes are distinct', async (t) => {
  const { app, token } = await buildTestApp(t)
  const none = await app.inject({ url: '/api/v1/audit/verify' })
  t.equal(none.statusCode, 401)
  t.equal(none.json().code, 'AUTH_REQUIRED')
  t.ok(none.json().requestId)
  const basic = await app.inject({ url: '/api/v1/audit/verify', headers: { authorization: 'Basic abc' } })
  t.equal(basic.json().code, 'AUTH_SCHEME_UNSUPPORTED')
  const bad = await app.inject({ url: '/api/v1/audit/verify', headers: { authorization: 'Bearer a.b.c' } })
  t.equal(bad.json().code, 'TOKEN_MALFORMED')
  const forged = token().slice(0, -3) + 'AAA'
  const sig = await app.inject({ url: '/api/v1/audit/verify', headers: { authorization: `Bearer ${forged}` } })
  t.equal(sig.json().code, 'TOKEN_SIGNATURE_INVALID')
  const officer = await app.inject({ url: '/api/v1/audit/verify', headers: { authorization: `Bearer ${token()}` } })
  t.equal(officer.statusCode, 403)
  t.equal(officer.json().code, 'ROLE_FORBIDDEN')
  const sup = await app.inject({ url: '/api/v1/audit/verify', headers: { authorization: `Bearer ${token({ role: 'supervisor' })}` } })
  t.equal(sup.statusCode, 200)
  t.equal(sup.json().ok, true)
})

t.test('unknown routes answer 404 with a code, to an authenticated caller only', async (t) => {
  const { app, as } = await buildTestApp(t)
  const res = await as({}, { url: '/nope' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'ROUTE_NOT_FOUND')
  t.equal((await app.inject({ url: '/nope' })).statusCode, 401, 'an anonymous caller learns nothing about which paths exist')
})

t.test('values PostgreSQL cannot store are a 400, never a 500', async (t) => {
  const { as } = await buildTestApp(t)
  const nul = await as({ role: 'supervisor' }, { url: '/api/v1/audit/handover/ab%00cd' })
  t.equal(nul.statusCode, 400)
  t.equal(nul.json().code, 'VALIDATION_FAILED')
  t.match(nul.json().details, [{ field: 'params.entityId', code: 'FIELD_FORMAT' }])
  const huge = await as({}, {
    method: 'POST',
    url: '/api/v1/gate/declarations/108557295010/lots/1/confirmations',
    headers: { 'content-type': 'application/json' },
    payload: '{"quantity": 1e400}',
  })
  t.equal(huge.statusCode, 400)
  t.match(huge.json().details, [{ field: 'quantity' }])
})

t.test('an audit trail is read only by an office that took part in the record', async (t) => {
  const { app, as } = await buildTestApp(t)
  const { auditAppendOf } = await import('../../src/services/audit-service.ts')
  const { appendAuditRows } = await import('../../src/db/audit-repository.ts')
  await app.db.write(async (tx) => {
    const actor = { officerId: 'o1', name: 'o1', office: '02CI', role: 'officer' as const }
    const ctx = writeContextFor(actor, { requestId: 'r' })
    await appendAuditRows(tx, [auditAppendOf(ctx, { entityType: 'handover', entityId: 'H-9', action: 'created', before: null, after: { a: 1 },
      backEntry: { origin: 'online', occurredAt: ctx.now, originalOfficer: 'o1' } })])
  }, { idempotent: true })
  const own = await as({ office: '02CI' }, { url: '/api/v1/audit/handover/H-9' })
  t.equal(own.statusCode, 200)
  t.equal(own.json().items.length, 1)
  const other = await as({ office: '06DS' }, { url: '/api/v1/audit/handover/H-9' })
  t.equal(other.statusCode, 403)
  t.equal(other.json().code, 'OFFICE_FORBIDDEN')
  t.equal((await as({ office: '06DS', role: 'admin' }, { url: '/api/v1/audit/handover/H-9' })).statusCode, 200, 'admins read every trail')
  const none = await as({ office: '02CI' }, { url: '/api/v1/audit/handover/H-0' })
  t.equal(none.statusCode, 404)
  t.equal(none.json().code, 'AUDIT_TRAIL_NOT_FOUND')
})
