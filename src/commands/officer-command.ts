// npm run officer -- --id 02CI-001 --name "Nguyễn Văn A" --office 02CI --role officer [--ttl-hours 12] [--no-db]
// Records the officer (upsert) and prints a bearer token signed with JWT_SECRET (HS256), for demos
// and tests. In production an identity provider issues RS256 tokens instead.
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadCommandConfig } from '../config.ts'
import { signToken, ROLES, type Role } from '../services/jwt-service.ts'
import { isValidOfficeCode } from '../services/identifiers.ts'
import { upsertOfficer } from '../db/officer-repository.ts'

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
    quiet: { type: 'boolean', short: 'q', default: false },
  },
})
const config = loadCommandConfig()
const office = values.office ?? fail('--office is required (e.g. 02CI)')
if (!isValidOfficeCode(office)) fail(`--office ${office}: expected 4 characters like 02CI`)
const role = values.role as Role
if (!ROLES.includes(role)) fail(`--role ${values.role}: expected one of ${ROLES.join(', ')}`)
const id = values.id ?? `${office}-${role}`
const name = values.name ?? id
const ttlHours = Number(values['ttl-hours'])
if (!Number.isFinite(ttlHours) || ttlHours <= 0 || ttlHours > 24 * 30) fail('--ttl-hours must be from 0 to 720')
if (!config.jwtSecret) fail('set JWT_SECRET or JWT_SECRET_FILE (the cluster keeps it in .run/secrets/jwt-secret)')

if (!values['no-db']) {
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
    await upsertOfficer(client, { id, name, office, role })
  } catch (err) {
    fail(`could not record the officer in the database: ${(err as Error).message} (use --no-db to only sign a token)`)
  } finally {
    await client.end().catch(() => undefined)
  }
}
const token = signToken({ officerId: id, name, office, role }, config.jwtSecret, {
  issuer: config.jwtIssuer,
  audience: config.jwtAudience,
  ttlSeconds: Math.round(ttlHours * 3600),
})
if (!values.quiet) console.error(`officer ${id} (${role}, office ${office}); token valid ${ttlHours} h:`)
console.log(token)
