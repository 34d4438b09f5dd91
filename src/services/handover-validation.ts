// Rules on handover input that a JSON schema cannot express (cross-field, or against the stored
// containers). Pure: each returns the problems found, naming the field path the client sent.
import type { FieldProblem } from '../domain/errors.ts'
import type { SealState } from '../domain/handover.ts'

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
  const due = Date.parse(input.dueAt)
  const start = Date.parse(handedOverAt)
  if (!(due > start)) {
    problems.push({ field: 'dueAt', code: 'DUE_AT_NOT_AFTER_HANDOVER', message: 'the time limit must be after the handover time' })
  } else if (due - start > MAX_TRANSIT_DAYS * DAY_MS) {
    problems.push({ field: 'dueAt', code: 'DUE_AT_TOO_FAR', message: `the time limit must be within ${MAX_TRANSIT_DAYS} days of the handover` })
  }
  return problems
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
