// Keeps this node's list of disabled officers (app.officerRevocations, checked by the auth plugin on
// every request) in step with the officers table: a reload every REVOCATION_REFRESH_MS. A failed
// reload keeps the last list — a database failover must not lock every officer out, nor let the
// disabled ones back in — and shows in tqdt_officer_revocations_age_seconds.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Gauge } from 'prom-client'
import { listOfficerRevocations } from '../db/officer-repository.ts'
import type { Config } from '../config.ts'

async function officerRevocationsPlugin(app: FastifyInstance, opts: { config: Config }) {
  const list = app.officerRevocations
  new Gauge({
    name: 'tqdt_officer_revocations_age_seconds',
    help: 'Seconds since this node last read the disabled officers (-1: never)',
    registers: [app.metrics.registry],
    collect() {
      this.set(list.loadedAt === 0 ? -1 : (Date.now() - list.loadedAt) / 1000)
    },
  })
  let timer: NodeJS.Timeout | null = null
  let closed = false
  const reload = async () => {
    try {
      list.replace(await app.db.read((q) => listOfficerRevocations(q)))
    } catch (err) {
      app.log.warn({ err: (err as Error).message }, 'could not reload the disabled officers; keeping the last list')
    }
  }
  const schedule = () => {
    if (closed) return
    timer = setTimeout(() => void reload().finally(schedule), opts.config.revocationRefreshMs)
    timer.unref()
  }
  app.addHook('onReady', async () => {
    await reload()
    schedule()
  })
  app.addHook('onClose', async () => {
    closed = true
    if (timer) clearTimeout(timer)
  })
}

export default fp(officerRevocationsPlugin, { name: 'officer-revocations', dependencies: ['auth', 'postgres', 'metrics'] })
