// The lifecycle of a handover (docs/api.md, "1. Goods handovers"), as data: which action is legal from which
// state and where it may lead. Pure; the service picks the target (e.g. with or without a
// discrepancy) and this module refuses anything the table does not allow.
import { conflict, type DomainError } from '../domain/errors.ts'
import type { HandoverAction, HandoverStatus } from '../domain/handover.ts'

interface Rule {
  from: readonly HandoverStatus[]
  to: readonly HandoverStatus[]
}

export const TRANSITIONS: Readonly<Record<HandoverAction, Rule>> = {
  // Goods that arrive after the time limit are still received (ASYCUDA's "late validated").
  receive: { from: ['HANDED_OVER', 'OVERDUE'], to: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'] },
  close: { from: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'], to: ['CLOSED'] },
  markOverdue: { from: ['HANDED_OVER'], to: ['OVERDUE'] },
  openVerification: { from: ['OVERDUE'], to: ['UNDER_VERIFICATION'] },
  recordVerificationResult: { from: ['UNDER_VERIFICATION'], to: ['RESOLVED', 'VIOLATION'] },
  // Once goods have arrived the handover is a fact; only what has not arrived can be withdrawn.
  cancel: { from: ['HANDED_OVER', 'OVERDUE'], to: ['CANCELLED'] },
  // Corrections before receipt only, and not once the time limit has passed: an overdue handover is
  // the evidence its verification looks at.
  amend: { from: ['HANDED_OVER'], to: ['HANDED_OVER'] },
  // But the goods of an overdue handover may still be on their way (a truck broke down): its
  // supervisor extends the time limit, and it is in transit again until the new one.
  extend: { from: ['OVERDUE'], to: ['HANDED_OVER'] },
  // A receipt recorded wrong is corrected (by a supervisor of the destination) until the handover is
  // closed; what the corrected seals and discrepancies say decides which of the two it is.
  correctReceipt: { from: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'], to: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'] },
  // What happens on the road (a seal replaced, goods transshipped, the vehicle changed) is recorded
  // while the goods are on it, also past the time limit (the truck that broke down is why it passed);
  // it changes the goods' seals or vehicle, not where the handover stands.
  recordIncident: { from: ['HANDED_OVER', 'OVERDUE'], to: ['HANDED_OVER', 'OVERDUE'] },
}

export function isAllowed(from: HandoverStatus, action: HandoverAction): boolean {
  return TRANSITIONS[action].from.includes(from)
}

export function illegalTransition(from: HandoverStatus, action: HandoverAction): DomainError {
  return conflict('ILLEGAL_TRANSITION', `A handover in state ${from} cannot take the action ${action}`, { from, action })
}

/** The new status, or ILLEGAL_TRANSITION (a conflict) when the action is not allowed from `from`. */
export function transition(from: HandoverStatus, action: HandoverAction, to: HandoverStatus): HandoverStatus {
  if (!isAllowed(from, action)) throw illegalTransition(from, action)
  // A target outside the table is a bug in the caller, not a client error.
  if (!TRANSITIONS[action].to.includes(to)) throw new Error(`action ${action} cannot lead to ${to}`)
  return to
}
