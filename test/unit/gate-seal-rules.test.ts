// The seals found at the gate against the eligible list, and what a gate record may become: pure
// rules of src/services/gate-seal-rules.ts, and how the printed list states a hold and a release.
import t from 'tap'
import { DomainError } from '../../src/domain/errors.ts'
import {
  answerToEarlier,
  earlierRefusal,
  gateTransition,
  NOTHING_STATED,
  needsSupervisor,
  sealFindingOf,
  sealFindingProblems,
  type EarlierRecord,
} from '../../src/services/gate-seal-rules.ts'
import { containerStateLine } from '../../src/services/gate-print-service.ts'
import type { ConfirmationView } from '../../src/services/gate-views.ts'

const LISTED = { carrierSeal: 'ML123456', customsSeal: 'HQ000123' }
const codes = (problems: Array<{ field: string; code: string }>) => problems.map((p) => `${p.field}:${p.code}`)

t.test('a mismatch is explained: a note, and the numbers found for another number', async (t) => {
  t.same(sealFindingProblems({}), [], 'a tap states nothing and needs nothing')
  t.same(sealFindingProblems({ sealState: 'INTACT' }), [])
  t.same(codes(sealFindingProblems({ sealState: 'BROKEN' })), ['sealNote:FIELD_REQUIRED'])
  t.same(codes(sealFindingProblems({ sealState: 'MISSING' }, 'sealFindings.1.')), ['sealFindings.1.sealNote:FIELD_REQUIRED'])
  t.same(codes(sealFindingProblems({ sealState: 'DIFFERENT_NUMBER', sealsFound: {} })), ['sealNote:FIELD_REQUIRED', 'sealsFound:FIELD_REQUIRED'])
  t.same(sealFindingProblems({ sealState: 'DIFFERENT_NUMBER', sealsFound: { customsSeal: 'HQ999' }, sealNote: 'x' }), [])
})

t.test('the finding against the list: stated, derived from the numbers, or refused when contradictory', async (t) => {
  t.same(sealFindingOf({}, LISTED), { finding: NOTHING_STATED, problems: [] }, 'nothing stated')
  t.same(sealFindingOf({ sealsFound: {} }, LISTED).finding, NOTHING_STATED, 'an empty sealsFound states nothing')

  const same = sealFindingOf({ sealsFound: { carrierSeal: 'ml123456', customsSeal: 'HQ000123' } }, LISTED)
  t.equal(same.finding.sealState, 'INTACT', 'the numbers of the list (letter case aside) are intact')
  t.same(same.problems, [])

  const other = sealFindingOf({ sealsFound: { customsSeal: 'HQ000999' }, sealNote: 'Số niêm phong khác' }, LISTED)
  t.equal(other.finding.sealState, 'DIFFERENT_NUMBER', 'another number never passes for want of a state')
  t.equal(other.finding.customsSealFound, 'HQ000999')
  t.equal(other.finding.carrierSealFound, null)
  t.same(other.problems, [])
  t.same(codes(sealFindingOf({ sealsFound: { customsSeal: 'HQ000999' } }, LISTED).problems), ['sealNote:FIELD_REQUIRED'], 'a derived mismatch needs its note too')

  t.same(
    codes(sealFindingOf({ sealState: 'INTACT', sealsFound: { carrierSeal: 'X1', customsSeal: 'HQ000123' } }, LISTED, 'sealFindings.0.').problems),
    ['sealFindings.0.sealsFound.carrierSeal:SEALS_FOUND_DIFFER_FROM_LIST'],
  )
  t.same(
    codes(sealFindingOf({ sealState: 'DIFFERENT_NUMBER', sealsFound: { customsSeal: 'HQ000123' }, sealNote: 'x' }, LISTED).problems),
    ['sealsFound:SEALS_FOUND_MATCH_LIST'],
  )
  const none = sealFindingOf({ sealState: 'MISSING', sealsFound: { customsSeal: '#####' }, sealNote: '  Không còn kẹp chì  ' }, LISTED)
  t.same(none.finding, { sealState: 'MISSING', carrierSealFound: null, customsSealFound: null, sealNote: 'Không còn kẹp chì' }, '"#####" is none; the note trimmed')
  t.equal(
    sealFindingOf({ sealsFound: { customsSeal: 'HQ1' }, sealNote: 'x' }, { carrierSeal: 'ML1', customsSeal: null }).finding.sealState,
    'DIFFERENT_NUMBER',
    'a customs seal where the list has none is another number',
  )
})

t.test('a request about a container already recorded: the same answer, or a refusal that names the record', async (t) => {
  const passed: EarlierRecord = { status: 'CONFIRMED', sealState: null, carrierSealFound: null, customsSealFound: null }
  const held: EarlierRecord = { status: 'HELD', sealState: 'BROKEN', carrierSealFound: null, customsSealFound: 'HQ9', }
  const broken = { sealState: 'BROKEN' as const, carrierSealFound: null, customsSealFound: 'hq9', sealNote: 'other words' }

  t.equal(answerToEarlier(passed, NOTHING_STATED), 'duplicate', 'a second tap is recognised, as always')
  t.equal(answerToEarlier(passed, { ...NOTHING_STATED, sealState: 'INTACT' }), 'duplicate')
  t.equal(answerToEarlier(passed, broken), 'conflict', 'a mismatch after the container passed')
  t.equal(answerToEarlier({ ...held, status: 'CONFIRMED' }, broken), 'duplicate', 'the hold, released since, repeated')

  t.equal(answerToEarlier(held, broken), 'duplicate', 'the same hold repeated (letter case and note aside)')
  t.equal(answerToEarlier(held, NOTHING_STATED), 'held', 'a tap does not let a held container through')
  t.equal(answerToEarlier(held, { ...NOTHING_STATED, sealState: 'INTACT' }), 'held')
  t.equal(answerToEarlier(held, { ...broken, sealState: 'MISSING' }), 'held', 'another finding')
  t.equal(answerToEarlier(held, NOTHING_STATED, true), 'duplicate', 'a whole declaration takes a held container as it stands')
  t.equal(answerToEarlier(held, { ...NOTHING_STATED, sealState: 'INTACT' }, true), 'held', 'but not when it says the seals are intact')
  t.equal(answerToEarlier({ ...passed, status: 'CANCELLED' }, broken), 'duplicate', 'a paper form entered again answers its entry')

  const refusal = earlierRefusal('held', 'CSQU3054383', { id: 'c-1', status: 'HELD' })
  t.ok(refusal instanceof DomainError)
  t.match(refusal, { kind: 'conflict', code: 'GATE_CONTAINER_HELD', details: { confirmationId: 'c-1', status: 'HELD' } })
  t.match(earlierRefusal('conflict', 'CSQU3054383', { id: 'c-2', status: 'CONFIRMED' }), { code: 'GATE_SEAL_FINDINGS_CONFLICT' })
})

t.test('what a gate record may become, and which steps are the supervisor\'s', async (t) => {
  t.equal(gateTransition('HELD', 'release'), 'CONFIRMED')
  t.equal(gateTransition('HELD', 'cancel'), 'CANCELLED')
  t.equal(gateTransition('CONFIRMED', 'cancel'), 'CANCELLED')
  for (const [from, action] of [['CONFIRMED', 'release'], ['CANCELLED', 'release'], ['CANCELLED', 'cancel']] as const) {
    t.throws(() => gateTransition(from, action), { code: 'ILLEGAL_TRANSITION', details: { from, action } }, `${action} from ${from}`)
  }
  t.throws(() => gateTransition('CANCELLED', 'cancel'), { message: 'This confirmation is already cancelled' }, 'the message officers knew')
  t.ok(needsSupervisor('HELD', 'release'))
  t.ok(needsSupervisor('HELD', 'cancel'), 'withdrawing a hold would make the mismatch disappear')
  t.notOk(needsSupervisor('CONFIRMED', 'cancel'), 'withdrawing a pass made by mistake stays the officer\'s')
})

t.test('the printed list states a hold, and a release with its seals', async (t) => {
  const base: ConfirmationView = {
    id: 'c-1', declarationNumber: '108557295010', office: '02CI', kind: 'container', containerNumber: 'CSQU3054383', lotNumber: null,
    carrierSeal: 'ML123456', customsSeal: 'HQ000123', quantity: null, weight: null, passedAt: '2024-06-04T02:00:00.000Z',
    officerId: 'NV-0042', enteredBy: 'NV-0042', origin: 'online', paperReference: null, recordedAt: '2024-06-04T02:00:00.000Z',
    status: 'HELD', sealState: 'DIFFERENT_NUMBER', sealsFound: { carrierSeal: null, customsSeal: 'HQ000999' }, sealNote: 'Kẹp chì số khác',
    heldAt: '2024-06-04T02:00:00.000Z', release: null, cancellation: null,
  }
  const container = { containerNumber: 'CSQU3054383', carrierSeal: 'ML123456', customsSeal: 'HQ000123' }
  const held = containerStateLine({ ...container, confirmed: false, confirmation: null, held: true, hold: base })
  t.match(held, /^TẠM DỪNG tại cổng lúc 04\/06\/2024 09:00, chưa qua KVGS/)
  t.match(held, /Số niêm phong khác danh sách, số niêm phong hải quan thực tế HQ000999, ghi chú: Kẹp chì số khác/)
  t.match(held, /chờ lãnh đạo Chi cục quyết định/)

  const released: ConfirmationView = {
    ...base, status: 'CONFIRMED', passedAt: '2024-06-04T03:30:00.000Z',
    release: { reason: 'Hãng tàu thay kẹp chì, có biên bản', releasedAt: '2024-06-04T03:30:00.000Z', releasedBy: 'LD-01', origin: 'online', recordedAt: '2024-06-04T03:30:00.000Z' },
  }
  const passed = containerStateLine({ ...container, confirmed: true, confirmation: released, held: false, hold: null }, (id) => `Lãnh đạo (${id})`)
  t.match(passed, /^Đã qua KVGS lúc 04\/06\/2024 10:30/)
  t.match(passed, /tạm dừng lúc 04\/06\/2024 09:00, lãnh đạo Lãnh đạo \(LD-01\) cho qua: Hãng tàu thay kẹp chì, có biên bản/)
  t.equal(containerStateLine({ ...container, confirmed: false, confirmation: null, held: false, hold: null }), 'Chưa xác nhận')
})
