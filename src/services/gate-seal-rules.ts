// The seals of a container as the gate officer finds them, against the eligible list (niêm phong
// thực tế tại cổng), and what a gate record may become. Pure: the service reads, these rules decide.
//
// Customs practice at a supervision-area gate: the officer confirms a container only when its
// number and seals match the list; when a seal is broken, missing or of another number the officer
// does not confirm it and reports to the office's supervisor (lãnh đạo Chi cục), who decides. So a
// mismatch is recorded as HELD — not a pass — and only a supervisor of the office releases it (it
// passes) or cancels it (it does not). A tap that states nothing about the seals stays what it always
// was: a pass with the seals taken as on the list.
import { conflict, type DomainError, type FieldProblem } from '../domain/errors.ts'
import type { ConfirmationStatus, GateContainerRecord, GateSealState } from '../domain/gate.ts'

/** "#####" on a form means no seal; found seals use the list's convention. */
const NONE = '#####'

export interface SealFindingInput {
  sealState?: GateSealState
  sealsFound?: { carrierSeal?: string; customsSeal?: string }
  sealNote?: string
}

/** A finding as it is stored: the state (null: nothing stated), the numbers read (null: none), the note. */
export interface SealFinding {
  sealState: GateSealState | null
  carrierSealFound: string | null
  customsSealFound: string | null
  sealNote: string | null
}

export const NOTHING_STATED: SealFinding = { sealState: null, carrierSealFound: null, customsSealFound: null, sealNote: null }

/** A state that stops the container at the gate. */
export const isMismatch = (state: GateSealState | null): boolean => state !== null && state !== 'INTACT'

// Officers type seal numbers as read off the seal; letter case is not part of the number.
const sameSeal = (a: string | null, b: string | null) => (a === null || b === null ? a === b : a.toUpperCase() === b.toUpperCase())
const foundOf = (value: string | undefined): string | null | undefined => (value === undefined ? undefined : value === NONE ? null : value)

/**
 * Problems a finding has on its own, before the list is read: a mismatch is explained in a note, and
 * "another number" says which number was found. `prefix` places the fields (`sealFindings.2.`).
 */
export function sealFindingProblems(input: SealFindingInput, prefix = ''): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (isMismatch(input.sealState ?? null) && input.sealNote === undefined) {
    problems.push({ field: `${prefix}sealNote`, code: 'FIELD_REQUIRED', message: 'say what was found when the seals are not intact' })
  }
  const numbers = input.sealsFound ?? {}
  if (input.sealState === 'DIFFERENT_NUMBER' && numbers.carrierSeal === undefined && numbers.customsSeal === undefined) {
    problems.push({ field: `${prefix}sealsFound`, code: 'FIELD_REQUIRED', message: 'give the seal numbers found on the container' })
  }
  return problems
}

/**
 * The finding against the container's seals on the list. Without a state, numbers found that differ
 * from the list make it DIFFERENT_NUMBER (and numbers that match, INTACT): a mismatch never passes
 * because a state was left out. A state that contradicts the numbers is refused, not guessed at.
 */
export function sealFindingOf(
  input: SealFindingInput,
  listed: Pick<GateContainerRecord, 'carrierSeal' | 'customsSeal'>,
  prefix = '',
): { finding: SealFinding; problems: FieldProblem[] } {
  const carrier = foundOf(input.sealsFound?.carrierSeal)
  const customs = foundOf(input.sealsFound?.customsSeal)
  const differing = [
    { field: 'carrierSeal', found: carrier, listed: listed.carrierSeal },
    { field: 'customsSeal', found: customs, listed: listed.customsSeal },
  ].filter((s) => s.found !== undefined && !sameSeal(s.found, s.listed))
  const numbersGiven = carrier !== undefined || customs !== undefined
  const state: GateSealState | null = input.sealState ?? (!numbersGiven ? null : differing.length > 0 ? 'DIFFERENT_NUMBER' : 'INTACT')
  const problems: FieldProblem[] = []
  if (state === 'INTACT') {
    for (const d of differing) {
      problems.push({
        field: `${prefix}sealsFound.${d.field}`,
        code: 'SEALS_FOUND_DIFFER_FROM_LIST',
        message: `the list says ${d.listed ?? NONE}; seals of another number are DIFFERENT_NUMBER, not INTACT`,
      })
    }
  }
  if (state === 'DIFFERENT_NUMBER' && numbersGiven && differing.length === 0) {
    problems.push({ field: `${prefix}sealsFound`, code: 'SEALS_FOUND_MATCH_LIST', message: 'the numbers found are those on the list: the seals are INTACT' })
  }
  if (isMismatch(state) && input.sealNote === undefined && input.sealState === undefined) {
    problems.push({ field: `${prefix}sealNote`, code: 'FIELD_REQUIRED', message: 'the seals found differ from the list: say what was found' })
  }
  const sealNote = input.sealNote?.trim() ?? null
  return { finding: { sealState: state, carrierSealFound: carrier ?? null, customsSealFound: customs ?? null, sealNote }, problems }
}

/** An existing gate record of the container, as far as a new request about it is concerned. */
export interface EarlierRecord {
  status: ConfirmationStatus
  sealState: GateSealState | null
  carrierSealFound: string | null
  customsSealFound: string | null
}

/**
 * What a request about a container that already has a gate record gets: that record (`duplicate`,
 * nothing written), or a refusal — `held` when the container is held and the request does not repeat
 * the hold (a tap must not let it through), `conflict` when it passed and the request reports a
 * mismatch the record does not have. `unstatedStandsAsIs`: a request that states nothing about this
 * container (one of a whole declaration's) takes a held container as it stands.
 */
export function answerToEarlier(
  earlier: EarlierRecord,
  requested: SealFinding,
  unstatedStandsAsIs = false,
): 'duplicate' | 'held' | 'conflict' {
  // A paper form's own entry, cancelled since: entering the form again answers it (as before).
  if (earlier.status === 'CANCELLED') return 'duplicate'
  const sameMismatch =
    isMismatch(requested.sealState) &&
    earlier.sealState === requested.sealState &&
    sameSeal(earlier.carrierSealFound, requested.carrierSealFound) &&
    sameSeal(earlier.customsSealFound, requested.customsSealFound)
  if (earlier.status === 'HELD') {
    if (sameMismatch || (unstatedStandsAsIs && requested.sealState === null)) return 'duplicate'
    return 'held'
  }
  return !isMismatch(requested.sealState) || sameMismatch ? 'duplicate' : 'conflict'
}

/** The refusals of answerToEarlier, naming the record the officer must deal with first. */
export function earlierRefusal(answer: 'held' | 'conflict', containerNumber: string, earlier: { id: string; status: ConfirmationStatus }): DomainError {
  const details = { confirmationId: earlier.id, status: earlier.status }
  return answer === 'held'
    ? conflict(
        'GATE_CONTAINER_HELD',
        `Container ${containerNumber} is held at the gate for its seals: a supervisor of the office releases it or cancels the hold`,
        details,
      )
    : conflict(
        'GATE_SEAL_FINDINGS_CONFLICT',
        `Container ${containerNumber} already passed with other seal findings; cancel that confirmation to record these`,
        details,
      )
}

/** What may happen to a gate record, from which status, and whether it is a supervisor's step. */
export const GATE_TRANSITIONS = {
  // A supervisor's decision that a held container passes after all.
  release: { from: ['HELD'], to: 'CONFIRMED', supervisor: ['HELD'] },
  // Withdrawing a pass made by mistake is the officer's; withdrawing a hold (the container does not
  // pass: it goes to inspection, or the finding was a mistake) would make a mismatch disappear, so it
  // is the supervisor's.
  cancel: { from: ['CONFIRMED', 'HELD'], to: 'CANCELLED', supervisor: ['HELD'] },
} as const satisfies Record<string, { from: readonly ConfirmationStatus[]; to: ConfirmationStatus; supervisor: readonly ConfirmationStatus[] }>

export type GateAction = keyof typeof GATE_TRANSITIONS

export function gateTransition(from: ConfirmationStatus, action: GateAction): ConfirmationStatus {
  const rule = GATE_TRANSITIONS[action]
  if (!(rule.from as readonly ConfirmationStatus[]).includes(from)) {
    const message = from === 'CANCELLED' ? 'This confirmation is already cancelled' : `A gate record that is ${from} cannot take the action ${action}`
    throw conflict('ILLEGAL_TRANSITION', message, { from, action })
  }
  return rule.to
}

export const needsSupervisor = (from: ConfirmationStatus, action: GateAction): boolean =>
  (GATE_TRANSITIONS[action].supervisor as readonly ConfirmationStatus[]).includes(from)
