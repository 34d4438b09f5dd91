// Rules on handover input that a JSON schema cannot express (cross-field, or against the stored
// containers). Pure: each returns the problems found, naming the field path the client sent.
import type { FieldProblem } from '../domain/errors.ts'
import type { IncidentKind, IncidentSeal, SealState } from '../domain/handover.ts'
import { CLOCK_SKEW_MS } from './write-context.ts'

// Transit under customs supervision takes days; a limit months away is a typing error (2062 for 2026).
const MAX_TRANSIT_DAYS = 90
const DAY_MS = 86_400_000

export interface ContainerInput {
  containerNumber: string
  carrierSeal: string
  customsSeal: string
}

export interface GoodsLineInput {
  description: string
  quantity: number
  unit: string
  marks?: string
}

export interface SealCheckInput {
  containerNumber: string
  sealState: SealState
  newSealNumber?: string
}

export function checkNewHandover(
  input: { containers?: ContainerInput[]; goodsLines?: GoodsLineInput[]; dueAt: string },
  handedOverAt: string,
): FieldProblem[] {
  const problems: FieldProblem[] = []
  const containers = input.containers ?? []
  if (containers.length === 0 && (input.goodsLines ?? []).length === 0) {
    problems.push({ field: 'containers', code: 'CONTAINERS_OR_GOODS_REQUIRED', message: 'list the containers or the goods lines (or both)' })
  }
  const seen = new Set<string>()
  containers.forEach((c, i) => {
    if (seen.has(c.containerNumber)) {
      problems.push({ field: `containers.${i}.containerNumber`, code: 'CONTAINER_DUPLICATE', message: `${c.containerNumber} is listed twice` })
    }
    seen.add(c.containerNumber)
  })
  const due = dueAtProblem(input.dueAt, handedOverAt)
  if (due) problems.push(due)
  return problems
}

/** A time limit after the handover and within MAX_TRANSIT_DAYS of it: for a new handover, an amendment and an extension asked for. */
export function dueAtProblem(dueAt: string, handedOverAt: string): FieldProblem | null {
  const due = Date.parse(dueAt)
  const start = Date.parse(handedOverAt)
  if (!(due > start)) return { field: 'dueAt', code: 'DUE_AT_NOT_AFTER_HANDOVER', message: 'the time limit must be after the handover time' }
  if (due - start > MAX_TRANSIT_DAYS * DAY_MS) {
    return { field: 'dueAt', code: 'DUE_AT_TOO_FAR', message: `the time limit must be within ${MAX_TRANSIT_DAYS} days of the handover` }
  }
  return null
}

/** Rules of one seal entry that need no stored data: a replaced seal names the new one, others do not. */
export function checkSealEntries(entries: SealCheckInput[]): FieldProblem[] {
  const problems: FieldProblem[] = []
  entries.forEach((e, i) => {
    if (e.sealState === 'replaced' && !e.newSealNumber) {
      problems.push({ field: `containers.${i}.newSealNumber`, code: 'NEW_SEAL_NUMBER_REQUIRED', message: 'a replaced seal needs the new seal number' })
    }
    if (e.sealState !== 'replaced' && e.newSealNumber) {
      problems.push({ field: `containers.${i}.newSealNumber`, code: 'NEW_SEAL_NUMBER_NOT_ALLOWED', message: 'only a replaced seal has a new seal number' })
    }
  })
  return problems
}

/** The receipt must account for every container of the handover, once, and no other. */
export function checkSealsAgainstContainers(entries: SealCheckInput[], handoverContainers: string[]): FieldProblem[] {
  const problems: FieldProblem[] = []
  const known = new Set(handoverContainers)
  const seen = new Set<string>()
  entries.forEach((e, i) => {
    const field = `containers.${i}.containerNumber`
    if (!known.has(e.containerNumber)) {
      problems.push({ field, code: 'CONTAINER_NOT_IN_HANDOVER', message: `${e.containerNumber} is not a container of this handover` })
    } else if (seen.has(e.containerNumber)) {
      problems.push({ field, code: 'CONTAINER_DUPLICATE', message: `${e.containerNumber} is listed twice` })
    }
    seen.add(e.containerNumber)
  })
  const missing = handoverContainers.filter((c) => !seen.has(c))
  if (missing.length > 0) {
    problems.push({ field: 'containers', code: 'CONTAINER_SEAL_STATE_MISSING', message: `state the seal of: ${missing.join(', ')}` })
  }
  return problems
}

/**
 * A time the database can store and compare (years 2000–9999). JSON date-time also admits year 0000
 * and far-off years that PostgreSQL rejects; those must be a 400, never a 500.
 */
export function timeProblem(value: string | undefined, field: string): FieldProblem | null {
  if (value === undefined) return null
  const ms = Date.parse(value)
  const year = Number.isNaN(ms) ? NaN : new Date(ms).getUTCFullYear()
  if (!(year >= 2000 && year <= 9999)) return { field, code: 'TIME_OUT_OF_RANGE', message: 'use a time between the years 2000 and 9999' }
  return null
}

/** An en-route incident as sent, in the fields its rules look at. */
export interface IncidentCheckInput {
  kind: IncidentKind
  occurredAt: string
  seals?: IncidentSeal[]
  vehicle?: string
  containerNumbers?: string[]
}

type IncidentField = 'seals' | 'vehicle' | 'containerNumbers'

/**
 * What each kind of incident carries. A seal replacement names the seals; a transshipment the vehicle
 * the goods went onto (and, when only some moved, which containers; and the seals, when they were
 * re-sealed there); a vehicle change the new vehicle. A field of another kind is refused, not ignored:
 * it would be a fact recorded nowhere.
 */
const INCIDENT_FIELDS: Readonly<Record<IncidentKind, { required: IncidentField[]; allowed: IncidentField[] }>> = {
  SEAL_REPLACED: { required: ['seals'], allowed: ['seals'] },
  TRANSSHIPPED: { required: ['vehicle'], allowed: ['vehicle', 'seals', 'containerNumbers'] },
  VEHICLE_CHANGED: { required: ['vehicle'], allowed: ['vehicle'] },
}

/** Rules of an incident that need no stored data: the fields of its kind, each container once, a new seal that is new, a time not ahead. */
export function checkIncidentEntries(input: IncidentCheckInput, now: string): FieldProblem[] {
  const problems: FieldProblem[] = []
  const fields = INCIDENT_FIELDS[input.kind]
  for (const field of ['seals', 'vehicle', 'containerNumbers'] as const) {
    const sent = input[field] !== undefined
    if (!sent && fields.required.includes(field)) {
      problems.push({ field, code: 'FIELD_REQUIRED', message: `an incident of kind ${input.kind} names its ${field}` })
    } else if (sent && !fields.allowed.includes(field)) {
      problems.push({ field, code: 'FIELD_NOT_FOR_KIND', message: `${field} is not part of an incident of kind ${input.kind}` })
    }
  }
  const sealed = new Set<string>()
  ;(input.seals ?? []).forEach((s, i) => {
    if (sealed.has(s.containerNumber)) {
      problems.push({ field: `seals.${i}.containerNumber`, code: 'CONTAINER_DUPLICATE', message: `${s.containerNumber} is listed twice` })
    }
    sealed.add(s.containerNumber)
    if (s.newSeal === s.oldSeal) {
      problems.push({ field: `seals.${i}.newSeal`, code: 'NEW_SEAL_SAME_AS_OLD', message: 'a replaced seal has a new number' })
    }
  })
  const moved = new Set<string>()
  ;(input.containerNumbers ?? []).forEach((c, i) => {
    if (moved.has(c)) problems.push({ field: `containerNumbers.${i}`, code: 'CONTAINER_DUPLICATE', message: `${c} is listed twice` })
    moved.add(c)
  })
  const time = timeProblem(input.occurredAt, 'occurredAt')
  if (time) problems.push(time)
  else if (Date.parse(input.occurredAt) > Date.parse(now) + CLOCK_SKEW_MS) {
    problems.push({ field: 'occurredAt', code: 'OCCURRED_AT_IN_FUTURE', message: 'an incident is recorded once it has happened' })
  }
  return problems
}

/**
 * Rules of an incident against the handover as it stands: not before it was handed over, on its own
 * containers, replacing the seal each container carries now (a seal replaced twice, or an old paper
 * read again, names a seal the container no longer has), and a vehicle change that changes the vehicle.
 */
export function checkIncidentAgainstHandover(
  input: IncidentCheckInput,
  h: { handedOverAt: string; vehicle: string; containers: Array<{ containerNumber: string; customsSeal: string }> },
): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (Date.parse(input.occurredAt) < Date.parse(h.handedOverAt)) {
    problems.push({ field: 'occurredAt', code: 'OCCURRED_BEFORE_HANDOVER', message: 'an incident on the road happens after the handover' })
  }
  const sealOf = new Map(h.containers.map((c) => [c.containerNumber, c.customsSeal]))
  const notInHandover = (field: string, number: string): FieldProblem => ({
    field,
    code: 'CONTAINER_NOT_IN_HANDOVER',
    message: `${number} is not a container of this handover`,
  })
  ;(input.seals ?? []).forEach((s, i) => {
    const current = sealOf.get(s.containerNumber)
    if (current === undefined) problems.push(notInHandover(`seals.${i}.containerNumber`, s.containerNumber))
    else if (current !== s.oldSeal) {
      problems.push({ field: `seals.${i}.oldSeal`, code: 'OLD_SEAL_MISMATCH', message: `${s.containerNumber} carries customs seal ${current}, not ${s.oldSeal}` })
    }
  })
  ;(input.containerNumbers ?? []).forEach((c, i) => {
    if (!sealOf.has(c)) problems.push(notInHandover(`containerNumbers.${i}`, c))
  })
  if (input.vehicle !== undefined && input.vehicle === h.vehicle) {
    problems.push({ field: 'vehicle', code: 'VEHICLE_UNCHANGED', message: `the goods are already on ${h.vehicle}: name the vehicle they are on now` })
  }
  return problems
}
