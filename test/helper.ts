// Shared by the integration tests: a real PostgreSQL (TEST_DATABASE_URL, set by the test command to
// the cluster's primary through HAProxy), a fresh schema per test file instead of truncating tables,
// and tokens for officers of any office and role.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../src/app.ts'
import { DEFAULT_PAPER_BACKDATING_DAYS, loadConfig, type Config } from '../src/config.ts'
import { sealingLag } from '../src/db/audit-seal-repository.ts'
import { prepareQueueSchema, runMigrations } from '../src/db/migration-runner.ts'
import type { Actor, Role } from '../src/domain/actor.ts'
import { signToken } from '../src/services/jwt-service.ts'
import type { WriteContext } from '../src/services/write-context.ts'

/** Offices the tests name besides the registry's own (migrations/008_office_registry.sql). */
export const TEST_OFFICES = ['00AD', '02CC', '02DS', '03CE', '04XX']

/**
 * Officers the tests (and docs/api.md's examples) name as the signer of a paper record
 * (paperOfficer), recorded in every test schema as `npm run officer` records them: a paper record
 * may name only a recorded officer of the office it is entered for.
 */
export const TEST_OFFICERS: ReadonlyArray<{ id: string; office: string }> = [
  { id: 'NV-0042', office: '02CI' },
  { id: 'NV-0043', office: '02CI' },
  { id: 'NV-0044', office: '02CI' },
  { id: 'NV-0611', office: '06DS' },
  { id: 'NV-1', office: '02CI' },
  { id: 'NV-7', office: '02CI' },
  { id: 'NV-9', office: '03CE' },
  { id: 'nguyen.van.a', office: '02CI' },
  { id: 'tran.b', office: '02CI' },
  { id: 'tran.thi.b', office: '02CI' },
  { id: 'officer-c', office: '02CI' },
  { id: 'pham.d', office: '02CI' },
  { id: 'pham.thi.d', office: '02CI' },
  { id: 'le.thi.c', office: '02CC' },
]

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256'

function requiredUrl(name: string): string {
  const url = process.env[name]
  if (!url) throw new Error(`${name} is not set: run the tests through \`npm test\``)
  return url
}

/** The app's role, as the app connects (TEST_DATABASE_URL). */
export const testDatabaseUrl = () => requiredUrl('TEST_DATABASE_URL')
/**
 * The app's URL (TEST_DATABASE_URL) through a loopback TCP proxy of a test on `port`. Through the
 * proxy the server's certificate cannot name the address dialled: the URL still verifies that it
 * chains to the cluster CA (libpq's verify-ca), just not the name.
 */
export function testDatabaseUrlVia(port: number): string {
  const url = new URL(testDatabaseUrl())
  url.hostname = '127.0.0.1'
  url.port = String(port)
  if (url.searchParams.get('sslmode') === 'verify-full') {
    url.searchParams.set('sslmode', 'verify-ca')
    url.searchParams.set('uselibpqcompat', 'true')
  }
  return url.toString()
}
/** The schema owner's role: only the migrations (and a test's setup that needs DDL) use it. */
export const testOwnerDatabaseUrl = () => requiredUrl('TEST_OWNER_DATABASE_URL')
/** A superuser over the primary's local socket: the attacks of test/integration/audit-attacks.test.ts. */
export const testSuperuserDatabaseUrl = () => requiredUrl('TEST_SUPERUSER_DATABASE_URL')

/**
 * Creates schema t_<random> as the owner, with every migration applied and the queue's schema
 * t_<random>_boss beside it; the app's role runs the app in them. Dropped at the end of the test.
 */
export async function createTestSchema(t: Test): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: testOwnerDatabaseUrl() })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA ${schema}`)
    await client.query(`SET search_path TO ${schema}`)
    await runMigrations(client)
    await prepareQueueSchema(client, `${schema}_boss`)
    await client.query(
      `INSERT INTO offices (code, name, parent_code, city, valid_from)
       SELECT code, 'Đơn vị kiểm thử ' || code, '00HQ', 'Hà Nội', '2000-01-01' FROM unnest($1::text[]) AS code
       ON CONFLICT (code) DO NOTHING`,
      [TEST_OFFICES],
    )
    await client.query(
      `INSERT INTO officers (id, name, office, role)
       SELECT o.id, 'Công chức ' || o.id, o.office, 'officer' FROM unnest($1::text[], $2::text[]) AS o(id, office)`,
      [TEST_OFFICERS.map((o) => o.id), TEST_OFFICERS.map((o) => o.office)],
    )
  } finally {
    await client.end()
  }
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: testOwnerDatabaseUrl() })
    await c.connect()
    await c.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined)
    // pg-boss's own schema, when the test app ran the queue (src/plugins/queue.ts queueSchemaOf).
    await c.query(`DROP SCHEMA IF EXISTS ${schema}_boss CASCADE`).catch(() => undefined)
    await c.end()
  })
  return schema
}

let auditKeyDir: string | null = null

/**
 * The audit signing key of this test process (Ed25519, PEM) and its public key, in a temporary
 * folder removed when the process exits: every test app of the file signs with it.
 */
export function testAuditKeys(): { signingKeyFile: string; publicKeyFile: string } {
  if (auditKeyDir === null) {
    const dir = mkdtempSync(join(tmpdir(), 'tqdt-audit-keys-'))
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    writeFileSync(join(dir, 'signing.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
    writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }))
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
    auditKeyDir = dir
  }
  return { signingKeyFile: join(auditKeyDir, 'signing.pem'), publicKeyFile: join(auditKeyDir, 'public.pem') }
}

export interface TestApp {
  app: FastifyInstance
  schema: string
  /** A bearer token for an officer; defaults: officer role at office 02CI. */
  token(actor?: Partial<Actor>): string
  /** app.inject with a bearer token for the given actor. */
  as(actor: Partial<Actor> | string, options: InjectOptions): Promise<LightMyRequestResponse>
  /** Runs SQL in the test's schema, as the app's role. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
  /** Runs SQL in the test's schema as its owner (setups that need DDL). */
  ownerSql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
}

export function actorOf(partial: Partial<Actor> = {}): Actor {
  const office = partial.office ?? '02CI'
  const role: Role = partial.role ?? 'officer'
  return { officerId: partial.officerId ?? `${office}-${role}`, name: partial.name ?? `Officer ${office}`, office, role }
}

/** A service call's context as the write door builds it, with the default settings: tests that call a service directly. */
export function writeContextFor(actor: Actor, extra: Partial<WriteContext> = {}): WriteContext {
  return { actor, requestId: 'test', now: new Date().toISOString(), claim: null, paperBackdatingDays: DEFAULT_PAPER_BACKDATING_DAYS, ...extra }
}

/** Tests send bursts from one officer and one address; the limits have their own tests (rate-limit.test.ts). */
export const NO_RATE_LIMITS: Config['rateLimits'] = { officerWritesPerSecond: 1e6, officerReadsPerSecond: 1e6, addressPerSecond: 1e6, addressRefusalsPerSecond: 1e6 }

/** A second app node on an existing test schema (two nodes sharing one database, e.g. for revocation). */
export async function buildNodeOnSchema(t: Test, schema: string, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = await buildApp(
    loadConfig({}, { databaseUrl: testDatabaseUrl(), databaseSchema: schema, jwtSecret: TEST_JWT_SECRET, queueEnabled: false, logLevel: 'silent', rateLimits: NO_RATE_LIMITS, ...overrides }),
    { logger: false },
  )
  await app.ready()
  t.teardown(() => app.close())
  return app
}

export async function buildTestApp(t: Test, overrides: Partial<Config> = {}): Promise<TestApp> {
  const schema = await createTestSchema(t)
  const checkpointDir = mkdtempSync(join(tmpdir(), 'tqdt-checkpoints-'))
  t.teardown(() => rmSync(checkpointDir, { recursive: true, force: true }))
  const config = loadConfig(
    {},
    {
      databaseUrl: testDatabaseUrl(),
      databaseReplicaUrl: process.env.TEST_DATABASE_REPLICA_URL || null,
      databaseSchema: schema,
      jwtSecret: TEST_JWT_SECRET,
      queueEnabled: false,
      logLevel: 'silent',
      writeDeadlineMs: 5000,
      rateLimits: NO_RATE_LIMITS,
      // Tests seal when they mean to (app.audit.sealNow()), not on a timer.
      auditSealIntervalMs: 0,
      auditSigningKeyFile: testAuditKeys().signingKeyFile,
      auditCheckpointDir: checkpointDir,
      ...overrides,
    },
  )
  const app = await buildApp(config, { logger: false })
  await app.ready()
  t.teardown(() => app.close())
  const token = (actor: Partial<Actor> = {}) =>
    signToken(actorOf(actor), TEST_JWT_SECRET, { issuer: config.jwtIssuer, audience: config.jwtAudience, ttlSeconds: 3600 })
  return {
    app,
    schema,
    token,
    as(actor, options) {
      const a = typeof actor === 'string' ? { office: actor } : actor
      return app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${token(a)}` } })
    },
    sql: (text, values) => app.db.primary.query(text, values as unknown[]),
    ownerSql: (text, values) => schemaQuery(testOwnerDatabaseUrl(), schema, text, values),
  }
}

/** One statement in `schema` on a connection of its own. */
export async function schemaQuery<R extends pg.QueryResultRow>(url: string, schema: string, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
  await client.connect()
  try {
    return await client.query<R>(text, values)
  } finally {
    await client.end()
  }
}

/** A session of its own in `schema` (the app's role unless `url` says otherwise), ended with the test. */
export async function schemaClient(t: Test, schema: string, url = testDatabaseUrl()): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

/** A TCP port free on 127.0.0.1 now, for a test server whose own address must be known before it is built. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** A valid paper declaration of office 02CI, 2025, with the given receipt number. */
export const paperDeclarationBody = (receiptNumber: number) => ({
  formType: 'import',
  office: '02CI',
  receiptYear: 2025,
  receiptNumber,
  declarantName: 'Công ty TNHH Thương mại ABC',
  taxCode: '0100109106',
  procedureType: 'A11',
  channel: 2,
  registeredAt: '2025-03-14T08:30:00+07:00',
  goodsLines: [{ hsCode: '85171300', description: 'Điện thoại', quantity: 100, unit: 'PCE', value: 25000.5, currency: 'USD', originCountry: 'CN' }],
})

/** A handover create body of office 02CI to 43IH, valid against the route's schema, due eight hours from now. */
export const handoverBody = (route = 'Cát Lái → Sóng Thần') => ({
  destinationOffice: '43IH',
  destinationPlace: 'ICD Sóng Thần',
  declarationNumbers: ['102345678901'],
  containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'CS1', customsSeal: 'HQ1' }],
  vehicle: '51C-12345',
  route,
  dueAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
})

/** The header of an eligible list of office 02CI (PUT /api/v1/gate/declarations/{declarationNumber}): add containers or lots. */
export const gateListHeader = (status = 'CLEARED') => ({
  office: '02CI', locationCode: '02CIC03', traderName: 'Công ty TNHH Thương mại ABC', traderTaxCode: '0100109522',
  status, declarationDate: '2024-06-03', procedureType: 'A11', channel: 2,
})

/** Creates a handover through the API as an officer of `office`; its id, or an error with the answer. */
export async function createHandoverThroughApi(api: TestApp, route?: string, office = '02CI'): Promise<string> {
  const res = await api.as(office, { method: 'POST', url: '/api/v1/handovers', payload: handoverBody(route) })
  if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`)
  return (res.json() as { id: string }).id
}

/**
 * Seals until no audit row waits. One pass may leave rows behind: the sealer takes only rows of
 * transactions older than every running one (pg_snapshot_xmin), and on a shared database another
 * test's or app node's open transaction holds that back for a moment.
 */
export async function sealEverything(app: FastifyInstance, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await app.audit.sealNow()
    const { unsealed } = await sealingLag(app.db.primary)
    if (unsealed === 0) return
    if (Date.now() > deadline) throw new Error(`${unsealed} audit row(s) still unsealed after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
