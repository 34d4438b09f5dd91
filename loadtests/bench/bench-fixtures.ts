// What a k6 step reads (FIXTURE_FILE): base URLs, bearer tokens per office, and the records to ask
// for. Tokens are signed in-process with the cluster's JWT secret, like the officer command does.
import { writeFileSync } from 'node:fs'
import { loadCommandConfig } from '../../src/config.ts'
import { signToken } from '../../src/services/jwt-service.ts'
import type { SampledHandover } from './bench-database.ts'

export interface Fixture {
  runId: string
  apiUrl: string
  bareUrl: string
  tokens: Record<string, string>
  handovers: Array<{ id: string; office: string }>
  containers: Array<{ containerNumber: string; office: string }>
  /** Offices the create scenario spreads over (each office's handover numbers are one locked counter). */
  createOffices: string[]
  createDestination: string
}

/** Offices of their own for created handovers: 7xBx never meets the seeded offices or the officer workload's 8x/9x. */
export const CREATE_OFFICES = Array.from({ length: 24 }, (_, i) => `7${i % 10}B${'ABCDEFGHJKLMNPQRSTUVWXYZ'[i]}`)

function officerToken(office: string, jwtSecret: string, ttlHours = 12): string {
  const config = loadCommandConfig()
  return signToken({ officerId: `${office}-bench`, name: `Bench ${office}`, office, role: 'officer' }, jwtSecret, {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: ttlHours * 3600,
  })
}

export function makeFixture(o: { runId: string; apiUrl: string; bareUrl: string; jwtSecret: string; sample: SampledHandover[]; createDestination: string }): Fixture {
  const offices = new Set([...o.sample.map((s) => s.office), ...CREATE_OFFICES])
  return {
    runId: o.runId,
    apiUrl: o.apiUrl,
    bareUrl: o.bareUrl,
    tokens: Object.fromEntries([...offices].map((office) => [office, officerToken(office, o.jwtSecret)])),
    handovers: o.sample.map((s) => ({ id: s.id, office: s.office })),
    containers: o.sample.map((s) => ({ containerNumber: s.containerNumber, office: s.office })),
    createOffices: CREATE_OFFICES,
    createDestination: o.createDestination,
  }
}

export function writeFixture(file: string, fixture: Fixture): string {
  writeFileSync(file, JSON.stringify(fixture), { mode: 0o600 })
  return file
}
