// Who may act on or read a handover (docs/api.md, "Authentication and offices"): an officer acts only for
// their own office — the departure office hands over, cancels and verifies, the destination office
// receives and closes, the office where an incident happened on the road records it; either end
// (officers and supervisors) reads, and so does an office that recorded an incident on it (it took
// part, and prints the minutes for the driver); admins read everywhere.
import type { Actor } from '../domain/actor.ts'
import { forbidden } from '../domain/errors.ts'

export interface HandoverEnds {
  departureOffice: string
  destinationOffice: string
  /** The offices that recorded an incident on it, when known. */
  incidents?: ReadonlyArray<{ office: string }>
}

export function assertActsFor(actor: Actor, office: string, what: string): void {
  if (actor.office !== office) {
    throw forbidden('OFFICE_FORBIDDEN', `Only an officer of office ${office} may ${what}; you act for ${actor.office}`)
  }
}

/**
 * A decision the rules reserve for a supervisor (lãnh đạo Chi cục) of the acting office: cancelling
 * an overdue handover (it would make the case disappear), a verification result, a time-limit
 * extension. An officer prepares the case; the supervisor takes the step, and is named as approver.
 */
export function assertSupervisorOf(actor: Actor, office: string, what: string): void {
  assertActsFor(actor, office, what)
  if (actor.role !== 'supervisor') {
    throw forbidden('SUPERVISOR_REQUIRED', `Only a supervisor of office ${office} may ${what}; ask your supervisor to do it`)
  }
}

export function canRead(actor: Actor, h: HandoverEnds): boolean {
  return (
    actor.role === 'admin' ||
    actor.office === h.departureOffice ||
    actor.office === h.destinationOffice ||
    (h.incidents ?? []).some((i) => i.office === actor.office)
  )
}

export function assertCanRead(actor: Actor, h: HandoverEnds): void {
  if (!canRead(actor, h)) {
    throw forbidden(
      'OFFICE_FORBIDDEN',
      'Only the departure and destination offices of this handover, an office that recorded an incident on it, or an admin may read it',
    )
  }
}

/**
 * The office a list is limited to: the actor's own unless admin (null = every office). Asking for
 * another office is refused rather than silently narrowed, so a caller never mistakes an empty page
 * for "nothing there".
 */
export function listOfficeFor(actor: Actor, requested: string | undefined, what = 'the handovers'): string | null {
  if (actor.role === 'admin') return requested ?? null
  if (requested !== undefined && requested !== actor.office) {
    throw forbidden('OFFICE_FORBIDDEN', `You may list ${what} of your own office (${actor.office}) only`)
  }
  return actor.office
}
