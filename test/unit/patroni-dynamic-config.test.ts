// `up` brings an existing cluster's stored Patroni settings in line with the generator's: the drift
// between the two, key by key, nested settings included, and nothing when they agree.
import t from 'tap'
import { dynamicConfigDrift } from '../../infra/launcher/patroni-dynamic-config.ts'
import { PATRONI_DCS } from '../../infra/launcher/render/patroni-config.ts'

const stored = () => JSON.parse(JSON.stringify(PATRONI_DCS)) as Record<string, any>

t.test('a stored configuration equal to the generator’s has no drift', async (t) => {
  t.same(dynamicConfigDrift(stored()), [])
})

t.test('settings changed since the cluster was made are found, nested ones by their path', async (t) => {
  const old = stored()
  old.synchronous_mode_strict = false
  old.synchronous_mode = 'quorum'
  old.postgresql.parameters.wal_sender_timeout = '10s'
  delete old.failsafe_mode
  t.same(
    dynamicConfigDrift(old).map((d) => d.path).sort(),
    ['failsafe_mode', 'postgresql.parameters.wal_sender_timeout', 'synchronous_mode', 'synchronous_mode_strict'],
  )
  t.match(dynamicConfigDrift(old).find((d) => d.path === 'synchronous_mode_strict'), { stored: false, wanted: true })
})

t.test('numbers stored as numbers or strings are the same setting', async (t) => {
  const s = stored()
  s.postgresql.parameters.max_connections = String(s.postgresql.parameters.max_connections)
  s.ttl = String(s.ttl)
  t.same(dynamicConfigDrift(s), [])
})
