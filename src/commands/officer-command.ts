// npm run officer -- --id 02CI-001 --name "Nguyễn Văn A" --office 02CI --role officer [--ttl-hours 12] [--no-db]
//   Records the officer (upsert) and prints a bearer token signed with JWT_SECRET (HS256), for demos
//   and tests. In production an identity provider issues RS256 / ES256 tokens instead.
// npm run officer -- --disable 02CI-001
//   Revokes the officer's tokens: every app node answers 401 TOKEN_REVOKED within REVOCATION_REFRESH_MS
//   (10 s by default), remembered tokens included, until `--enable`.
// npm run officer -- --enable 02CI-001
//   Lets the officer sign in again; the tokens issued before the disable stay refused.
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadCommandConfig } from '../config.ts'
import { ROLES, type Role } from '../domain/actor.ts'
import { signToken } from '../services/jwt-service.ts'
import { isValidOfficeCode } from '../services/identifiers.ts'
import { disableOfficer, enableOfficer, isOfficerDisabled, upsertOfficer } from '../db/officer-repository.ts'
import type { Queryable } from '../db/database.ts'

function fail(message: string): never {
  console.error(`officer: ${message}`)
  process.exit(2)
}

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    name: { type: 'string' },
    office: { type: 'string' },
    role: { type: 'string', default: 'officer' },
    'ttl-hours': { type: 'string', default: '12' },
    'no-db': { type: 'boolean', default: false },
    disable: { type: 'string' },
    enable: { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
  },
})
const config = loadCommandConfig()

async function withDatabase<T>(what: string, work: (q: Queryable) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
    return await work(client)
  } catch (err) {
    return fail(`could not ${what}: ${(err as Error).message}`)
  } finally {
    await client.end().catch(() => undefined)
  }
}

if (values.disable !== undefined || values.enable !== undefined) {
  if (values.disable !== undefined && values.enable !== undefined) fail('give --disable or --enable, not both')
  const id = (values.disable ?? values.enable) as string
  const disabling = values.disable !== undefined
  const status = await withDatabase(`${disabling ? 'disable' : 'enable'} officer ${id}`, (q) =>
    disabling ? disableOfficer(q, id) : enableOfficer(q, id),
  )
  if (status === null) fail(`no officer ${id} is recorded (record them first: npm run officer -- --id ${id} --office … --role …)`)
  console.error(
    disabling
      ? `officer ${id} disabled: every app node refuses their tokens (401 TOKEN_REVOKED) within its revocation refresh (10 s by default)`
      : `officer ${id} enabled: new tokens are accepted; those issued before the disable stay refused`,
  )
  process.exit(0)
}

const office = values.office ?? fail('--office is required (e.g. 02CI)')
if (!isValidOfficeCode(office)) fail(`--office ${office}: expected 4 characters like 02CI`)
const role = values.role as Role
if (!ROLES.includes(role)) fail(`--role ${values.role}: expected one of ${ROLES.join(', ')}`)
const id = values.id ?? `${office}-${role}`
const name = values.name ?? id
const ttlHours = Number(values['ttl-hours'])
if (!Number.isFinite(ttlHours) || ttlHours <= 0 || ttlHours > config.jwtMaxLifetimeHours) {
  fail(`--ttl-hours must be above 0 and at most ${config.jwtMaxLifetimeHours} (JWT_MAX_LIFETIME_HOURS): the service refuses longer tokens`)
}
if (!config.jwtSecret) fail('set JWT_SECRET or JWT_SECRET_FILE (the cluster keeps it in .run/secrets/jwt-secret)')

if (!values['no-db']) {
  const disabled = await withDatabase('record the officer in the database (use --no-db to only sign a token)', async (q) => {
    await upsertOfficer(q, { id, name, office, role })
    return isOfficerDisabled(q, id)
  })
  if (disabled) fail(`officer ${id} is disabled; enable them first (npm run officer -- --enable ${id})`)
}
let token: string
try {
  token = signToken({ officerId: id, name, office, role }, config.jwtSecret, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: Math.round(ttlHours * 3600),
  })
} catch (err) {
  fail((err as Error).message)
}
if (!values.quiet) console.error(`officer ${id} (${role}, office ${office}); token valid ${ttlHours} h:`)
console.log(token)
