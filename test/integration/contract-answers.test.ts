// What the fuzzer found the service answering outside its contract (issue 12, item 5), each pinned:
// a method a path does not take is 405 with Allow (it was a 404, or a handler of a templated path); a
// malformed percent-encoding is our 400, not the router's; a command sent without a body is validated
// as an empty object; every route documents the perimeter's answers; creates link to their reads.
import t from 'tap'
import { buildTestApp } from '../helper.ts'

t.test('a method the path does not take is 405 with Allow, after authentication', async (t) => {
  const { app, as } = await buildTestApp(t)
  const anonymous = await app.inject({ method: 'DELETE', url: '/api/v1/handovers' })
  t.equal(anonymous.statusCode, 401, 'without a token an outsider learns nothing about the path')

  const list = await as('02CI', { method: 'DELETE', url: '/api/v1/handovers' })
  t.equal(list.statusCode, 405)
  t.equal(list.json().code, 'METHOD_NOT_ALLOWED')
  t.match(list.headers.allow, /\bGET\b/, `Allow: ${list.headers.allow}`)
  t.match(list.headers.allow, /\bPOST\b/)

  // A concrete path wins over a templated one, as OpenAPI matches them: not GET /handovers/:id with
  // id "overdue-scan".
  const scan = await as({ office: '02CI', role: 'supervisor' }, { method: 'GET', url: '/api/v1/handovers/overdue-scan' })
  t.equal(scan.statusCode, 405, 'GET of the POST-only overdue scan')
  t.equal(scan.headers.allow, 'POST')

  const templated = await as('02CI', { method: 'PATCH', url: '/api/v1/handovers/7f0c1c8e-7a43-4d0b-9d43-3c1c4b6f2a11' })
  t.equal(templated.statusCode, 405, 'PATCH of a record path')
  t.match(templated.headers.allow, /\bGET\b/)

  const unknown = await as('02CI', { method: 'GET', url: '/api/v1/no-such-thing' })
  t.equal(unknown.statusCode, 404, 'a path no route takes stays 404')
  t.equal(unknown.json().code, 'ROUTE_NOT_FOUND')
})

t.test('a malformed percent-encoding is a 400 MALFORMED_URL in the one error shape', async (t) => {
  const { as } = await buildTestApp(t)
  const res = await as('02CI', { method: 'GET', url: '/api/v1/handovers/%zz' })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'MALFORMED_URL')
  t.type(res.json().requestId, 'string')
})

t.test('a JSON command sent without a body is validated as {}: a missing field is named, never a 500', async (t) => {
  const { as } = await buildTestApp(t)
  const bare = await as('02CI', { method: 'POST', url: '/api/v1/handovers' })
  t.equal(bare.statusCode, 400)
  t.equal(bare.json().code, 'VALIDATION_FAILED')
  t.ok(
    (bare.json().details as Array<{ code: string }>).some((d) => d.code === 'FIELD_REQUIRED'),
    'the missing fields are named instead of "body must be object"',
  )
  const nullBody = await as({ office: '02CI', role: 'supervisor' }, {
    method: 'POST',
    url: '/api/v1/handovers/overdue-scan',
    headers: { 'content-type': 'application/json' },
    payload: 'null',
  })
  t.equal(nullBody.statusCode, 400, 'a JSON null is not the object the command takes (it ran the scan)')
  t.same(nullBody.json().details, [{ field: 'body', code: 'FIELD_TYPE', message: 'must be object' }])
})

t.test('the document: every route lists the perimeter answers, operationIds are unique, creates link to their reads', async (t) => {
  const { app } = await buildTestApp(t)
  const doc = (await app.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, { links?: Record<string, { operationId: string }>; content?: Record<string, unknown> }> }>>
  }
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
  t.ok(operations.length > 40, `${operations.length} operations`)
  const ids = operations.map(({ op }) => op.operationId)
  t.notOk(ids.includes(undefined), 'every operation has an operationId')
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique')

  for (const { path, method, op } of operations) {
    if (!path.startsWith('/api/')) continue
    const statuses = Object.keys(op.responses)
    const isPublic = Array.isArray(op.security) && op.security.length === 0
    const wanted = ['400', '429', '503', ...(isPublic ? [] : ['401', '403'])]
    const missing = wanted.filter((s) => !statuses.includes(s))
    if (missing.length) t.fail(`${method.toUpperCase()} ${path} does not document ${missing.join(', ')}`)
    for (const status of statuses.filter((s) => Number(s) >= 400)) {
      if (!op.responses[status]?.content?.['application/json']) t.fail(`${method.toUpperCase()} ${path} ${status} is not a JSON error`)
    }
  }

  const linksOf = (path: string, method: string, status: string) => op(path, method).responses[status]?.links ?? {}
  const op = (path: string, method: string) => {
    const found = doc.paths[path]?.[method]
    if (!found) throw new Error(`no ${method} ${path}`)
    return found
  }
  const scanBody = (op('/api/v1/handovers/overdue-scan', 'post') as { requestBody?: { required?: boolean } }).requestBody
  t.equal(scanBody?.required, false, 'a body with no required field may be left out, and the document says so')
  const createBody = (op('/api/v1/handovers', 'post') as { requestBody?: { required?: boolean } }).requestBody
  t.equal(createBody?.required, true, 'a body with required fields may not')
  const byId = new Map(operations.map(({ path, method, op }) => [op.operationId, `${method.toUpperCase()} ${path}`]))
  const targets = (links: Record<string, { operationId: string }>) => Object.values(links).map((l) => byId.get(l.operationId))
  t.ok(targets(linksOf('/api/v1/handovers', 'post', '201')).includes('GET /api/v1/handovers/{id}'), 'a created handover links to its read')
  t.ok(targets(linksOf('/api/v1/paper-declarations', 'post', '201')).includes('GET /api/v1/paper-declarations/{id}'), 'a paper declaration too')
  t.ok(
    targets(linksOf('/api/v1/gate/declarations/{declarationNumber}', 'put', '201')).includes('GET /api/v1/gate/declarations/{declarationNumber}'),
    'an eligible list too',
  )
  t.ok(targets(linksOf('/api/v1/back-entry/batches', 'post', '202')).includes('GET /api/v1/back-entry/batches/{id}'), 'a back-entry batch too')
  for (const { path, method, op } of operations) {
    for (const [status, response] of Object.entries(op.responses)) {
      for (const [name, link] of Object.entries(response.links ?? {})) {
        if (!byId.has(link.operationId)) t.fail(`${method} ${path} ${status} link ${name} names no operation`)
      }
    }
  }
})
