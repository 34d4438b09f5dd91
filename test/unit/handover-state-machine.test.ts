// The whole transition table of a handover, written out independently of the module's own table:
// every (state, action) pair is either legal with the listed targets or a 409 ILLEGAL_TRANSITION.
import t from 'tap'
import { DomainError } from '../../src/domain/errors.ts'
import { HANDOVER_ACTIONS, HANDOVER_STATUSES, type HandoverAction, type HandoverStatus } from '../../src/domain/handover.ts'
import { isAllowed, transition } from '../../src/services/handover-state-machine.ts'

const EXPECTED: Record<HandoverStatus, Partial<Record<HandoverAction, HandoverStatus[]>>> = {
  HANDED_OVER: {
    receive: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'], markOverdue: ['OVERDUE'], cancel: ['CANCELLED'], amend: ['HANDED_OVER'],
    recordIncident: ['HANDED_OVER', 'OVERDUE'],
  },
  ARRIVED: { close: ['CLOSED'], correctReceipt: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'] },
  ARRIVED_WITH_DISCREPANCY: { close: ['CLOSED'], correctReceipt: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'] },
  CLOSED: {},
  OVERDUE: {
    receive: ['ARRIVED', 'ARRIVED_WITH_DISCREPANCY'], openVerification: ['UNDER_VERIFICATION'], cancel: ['CANCELLED'], extend: ['HANDED_OVER'],
    recordIncident: ['HANDED_OVER', 'OVERDUE'],
  },
  UNDER_VERIFICATION: { recordVerificationResult: ['RESOLVED', 'VIOLATION'] },
  RESOLVED: {},
  VIOLATION: {},
  CANCELLED: {},
}

t.test('every state × action pair', async (t) => {
  let legal = 0
  for (const from of HANDOVER_STATUSES) {
    for (const action of HANDOVER_ACTIONS) {
      const targets = EXPECTED[from][action]
      if (targets) {
        legal++
        t.ok(isAllowed(from, action), `${from} --${action}--> allowed`)
        for (const to of HANDOVER_STATUSES) {
          if (targets.includes(to)) t.equal(transition(from, action, to), to, `${from} --${action}--> ${to}`)
          else t.throws(() => transition(from, action, to), /cannot lead to/, `${action} never leads to ${to}`)
        }
      } else {
        t.notOk(isAllowed(from, action), `${from} --${action}--> refused`)
        for (const to of HANDOVER_STATUSES) {
          try {
            transition(from, action, to)
            t.fail(`${from} --${action}--> ${to} should be refused`)
          } catch (err) {
            t.ok(err instanceof DomainError && err.kind === 'conflict' && err.code === 'ILLEGAL_TRANSITION', `${from} --${action}--> 409`)
            t.same((err as DomainError).details, { from, action })
            break
          }
        }
      }
    }
  }
  t.equal(legal, 15, 'fifteen legal (state, action) pairs')
})

t.test('terminal states accept nothing', async (t) => {
  for (const s of ['CLOSED', 'RESOLVED', 'VIOLATION', 'CANCELLED'] as const) {
    t.same(HANDOVER_ACTIONS.filter((a) => isAllowed(s, a)), [], s)
  }
})
