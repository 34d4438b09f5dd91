import t from 'tap'
import { RequestRateLimiter } from '../../src/services/request-rate-limiter.ts'

t.test('without a shared store the limit holds per node, in one-second windows', async (t) => {
  let now = 1_000_000_000_000
  const limiter = new RequestRateLimiter(() => now)
  const results = Array.from({ length: 7 }, () => limiter.allow('writes:o1', 5))
  t.same(results, [true, true, true, true, true, false, false])
  t.ok(limiter.allow('writes:o2', 5), 'another key has its own count')
  now += 1000
  t.ok(limiter.allow('writes:o1', 5), 'the next second starts again')
})

t.test('reached() looks without counting', async (t) => {
  const now = 2_000_000_000_000
  const limiter = new RequestRateLimiter(() => now)
  t.notOk(limiter.reached('refused:a', 2))
  t.notOk(limiter.reached('refused:a', 2), 'looking twice counts nothing')
  limiter.allow('refused:a', Infinity)
  limiter.allow('refused:a', Infinity)
  t.ok(limiter.reached('refused:a', 2))
})

t.test('a flush without a store keeps the counts and drops the windows that are over', async (t) => {
  let now = 3_000_000_000_000
  const limiter = new RequestRateLimiter(() => now)
  limiter.allow('a', 10)
  limiter.allow('b', 10)
  await limiter.flush()
  t.equal(limiter.size, 2)
  now += 2000
  await limiter.flush()
  t.equal(limiter.size, 0, 'two seconds later nothing is kept')
})
