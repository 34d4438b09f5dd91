import t from 'tap'
import { AppError } from '../../src/errors.ts'
import { entityTagOf, ifNoneMatchHolds, versionsFromIfMatch } from '../../src/routes/entity-tags.ts'

const statusOf = (fn: () => unknown) => {
  try {
    fn()
    return 0
  } catch (err) {
    return (err as AppError).status
  }
}

t.test('If-Match: the strong versions it names', async (t) => {
  t.equal(entityTagOf(3), '"3"')
  t.same(versionsFromIfMatch('"3"'), [3])
  t.same(versionsFromIfMatch(' "3" , "5"'), [3, 5])
  t.same(versionsFromIfMatch('W/"3", "4"'), [4], 'weak tags never match')
  t.same(versionsFromIfMatch('"abc"'), [], 'a valid tag that is no version matches nothing (412 follows)')
  t.same(versionsFromIfMatch(['"1"', '"2"']), [1, 2])
})

t.test('If-Match: missing or * → 428, malformed → 400', async (t) => {
  t.equal(statusOf(() => versionsFromIfMatch(undefined)), 428)
  t.equal(statusOf(() => versionsFromIfMatch('')), 428)
  t.equal(statusOf(() => versionsFromIfMatch('*')), 428)
  for (const bad of ['3', '"3', '"3" "4"', '"3";', 'W/3', ', "3"']) t.equal(statusOf(() => versionsFromIfMatch(bad)), 400, bad)
})

t.test('If-None-Match compares weakly; * matches any version', async (t) => {
  t.ok(ifNoneMatchHolds('"2"', 2))
  t.ok(ifNoneMatchHolds('W/"2"', 2))
  t.ok(ifNoneMatchHolds('"1", "2"', 2))
  t.ok(ifNoneMatchHolds('*', 2))
  t.notOk(ifNoneMatchHolds('"1"', 2))
  t.notOk(ifNoneMatchHolds(undefined, 2))
  t.notOk(ifNoneMatchHolds('garbage', 2))
})
