import { STRICT_CRITERIA, WRITE_RIDE_THROUGH_S, defineDrill } from '../drill-definition.ts'
import { powerLoss } from '../faults/fault-primitives.ts'

export default defineDrill({
  name: 'replica-loss',
  title: 'The synchronous standby’s host loses power',
  why: 'Every commit waits for the synchronous standby: when it vanishes silently, commits hang until Patroni names the other replica.',
  given: ['a cluster with full redundancy', 'officers working at the drill rate'],
  when: ['the synchronous standby’s host loses power (blackholed, then SIGKILL)', 'it stays off for the hold time, then is started again'],
  then: [
    'no request fails and the primary stays the primary',
    `writes stall no longer than the app’s ride-through (${WRITE_RIDE_THROUGH_S} s)`,
    'the other replica becomes the synchronous standby',
    'every acknowledged write is on every node afterwards, the returned replica included',
  ],
  holdSeconds: 60,
  faults: (ctx) => [powerLoss(ctx.inv, ctx.syncStandby)],
  criteria: { ...STRICT_CRITERIA, maxWriteUnavailableS: WRITE_RIDE_THROUGH_S, maxReadUnavailableS: 10, primaryMustStay: true },
})
