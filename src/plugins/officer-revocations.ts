// Keeps this node's list of disabled officers (app.officerRevocations, checked by the auth plugin on
// every request) in step with the officers table: a reload every REVOCATION_REFRESH_MS. A failed
// reload keeps the last list — a database failover must not lock every officer out, nor let the
// disabled ones back in — and shows in tqdt_officer_revocations_age_seconds.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { listOfficerRevocations } from '../db/officer-repository.ts'
import type { Config } from '../config.ts'
import { reloadPeriodically } from './periodic-reload.ts'

async function officerRevocationsPlugin(app: FastifyInstance, opts: { config: Config }) {
  const list = app.officerRevocations
  const reload = async () => {
    try {
      list.replace(await app.db.read((q) => listOfficerRevocations(q)))
    } catch (err) {
      app.log.warn({ err: (err as Error).message }, 'could not reload the disabled officers; keeping the last list')
    }
  }
  reloadPeriodically(app, {
    intervalMs: opts.config.revocationRefreshMs,
    reload,
    age: {
      name: 'tqdt_officer_revocations_age_seconds',
      help: 'Seconds since this node last read the disabled officers (-1: never)',
      loadedAt: () => list.loadedAt,
    },
  })
}

export default fp(officerRevocationsPlugin, { name: 'officer-revocations', dependencies: ['auth', 'postgres', 'metrics'] })
