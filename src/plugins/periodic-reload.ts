// The one way a plugin keeps an in-memory copy of a table fresh: read when the server is ready, then
// again every `intervalMs` after the previous read ended (never two at once), stopped on close; the
// copy's age is a gauge (-1 before the first read). The reload itself must not throw: it logs and
// keeps what it had.
import type { FastifyInstance } from 'fastify'
import { Gauge } from 'prom-client'

export interface PeriodicReload {
  intervalMs: number
  reload: () => Promise<void>
  /** The gauge of the copy's age in seconds, and when it was last read in full (ms; 0: never). */
  age: { name: string; help: string; loadedAt: () => number }
}

export function reloadPeriodically(app: FastifyInstance, { intervalMs, reload, age }: PeriodicReload): void {
  new Gauge({
    name: age.name,
    help: age.help,
    registers: [app.metrics.registry],
    collect() {
      const at = age.loadedAt()
      this.set(at === 0 ? -1 : (Date.now() - at) / 1000)
    },
  })
  let timer: NodeJS.Timeout | null = null
  let closed = false
  const schedule = () => {
    if (closed) return
    timer = setTimeout(() => void reload().finally(schedule), intervalMs)
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
