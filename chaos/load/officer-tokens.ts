// Officers for one load run, with bearer tokens from the project's own officer command
// (src/commands/officer-command.ts --no-db) signed with the cluster's JWT secret.
//
// The drills, the benchmarks and `npm run workload` call makeOfficers().
//
// Each run gets its own pair of office codes (departure 9xYY, destination 8xYY), so its paper
// declaration numbers (office-year-number), searches and the checker's queries never meet another
// run's records, however many runs the database has seen. The pair is added to the office registry
// first (the service refuses unregistered codes; a node reads the registry again when a request names
// a code it does not know).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { clusterPath, endpoints, loadInventory, REPO_ROOT } from '../../infra/launcher/cluster-api.ts'

export interface Officer {
  id: string
  office: string
  role: 'officer' | 'supervisor'
  token: string
}

export interface OfficerSet {
  runId: string
  departureOffice: string
  destinationOffice: string
  departure: Officer[]
  destination: Officer[]
  /** Supervisors of the departure office: they grant time-limit extensions (an approval). */
  supervisors: Officer[]
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(2, 14)
  return `r${stamp}${randomBytes(2).toString('hex')}`
}

function runOffices(): { departure: string; destination: string } {
  const b = randomBytes(3)
  const suffix = `${b[0]! % 10}${ALNUM[b[1]! % ALNUM.length]}${ALNUM[b[2]! % ALNUM.length]}`
  return { departure: `9${suffix}`, destination: `8${suffix}` }
}

export function jwtSecretFile(): string {
  return clusterPath(loadInventory(), 'secrets', 'jwt-secret')
}

function signedToken(id: string, office: string, ttlHours: number, role: Officer['role']): string {
  const secretFile = jwtSecretFile()
  if (!existsSync(secretFile)) throw new Error(`${secretFile} is missing: start the cluster first (npm run up)`)
  return execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'src/commands/officer-command.ts'), '--id', id, '--office', office, '--role', role, '--no-db', '--quiet', '--ttl-hours', String(ttlHours)],
    { cwd: REPO_ROOT, env: { ...process.env, JWT_SECRET: '', JWT_SECRET_FILE: secretFile }, encoding: 'utf8' },
  ).trim()
}

/** Adds the run's offices to the registry through the project's own command (src/commands/offices-command.ts). */
function registerOffices(runId: string, offices: { departure: string; destination: string }): void {
  for (const [code, role] of [[offices.departure, 'nơi đi'], [offices.destination, 'nơi đến']] as const) {
    execFileSync(
      process.execPath,
      [join(REPO_ROOT, 'src/commands/offices-command.ts'), 'add', code, '--name', `Đơn vị thử tải ${runId} (${role})`, '--city', 'Hà Nội'],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: endpoints().databaseUrl }, stdio: ['ignore', 'ignore', 'inherit'] },
    )
  }
}

export function makeOfficers(count = 4, runId = newRunId(), ttlHours = 12): OfficerSet {
  const offices = runOffices()
  registerOffices(runId, offices)
  const make = (office: string, n = count, role: Officer['role'] = 'officer') =>
    Array.from({ length: n }, (_, i) => {
      const id = `${office}-k6-${role === 'officer' ? '' : 'sup-'}${i + 1}`
      return { id, office, role, token: signedToken(id, office, ttlHours, role) }
    })
  return {
    runId,
    departureOffice: offices.departure,
    destinationOffice: offices.destination,
    departure: make(offices.departure),
    destination: make(offices.destination),
    supervisors: make(offices.departure, Math.max(1, Math.ceil(count / 2)), 'supervisor'),
  }
}

