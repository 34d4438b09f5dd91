// Keeps this node's office registry (app.offices, read by the schema keyword x-registered-office) in
// step with the offices table: read when the server is ready, every OFFICE_REGISTRY_REFRESH_MS, and
// when a request names a code it does not know.
// A failed reload keeps the last registry (a failover must not refuse every office); a node that
// never read it answers 503 to API requests until it can, rather than judge codes blind.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { allOfficeValidity } from '../db/office-repository.ts'
import { databaseUnavailable } from '../domain/errors.ts'
import type { OfficeRegistry } from '../services/office-registry.ts'
import { reloadPeriodically } from './periodic-reload.ts'

declare module 'fastify' {
  interface FastifyInstance {
    offices: OfficeRegistry
    /** Reads the office registry now (tests; an operator's import reaches nodes by the timer). */
    reloadOffices(): Promise<void>
  }
}

const ON_DEMAND_RELOAD_MIN_MS = 1000

async function officeRegistryPlugin(app: FastifyInstance, opts: { config: Config }) {
  const registry = app.offices
  let inFlight: Promise<void> | null = null
  const reload = () =>
    (inFlight ??= app.db
      // Fresh: an office registered a moment ago must be seen by the read it triggers.
      .readFresh((q) => allOfficeValidity(q))
      .then((offices) => registry.replace(offices))
      .catch((err: Error) => app.log.warn({ err: err.message }, 'could not read the office registry; keeping the last one'))
      .finally(() => (inFlight = null)))
  app.decorate('reloadOffices', reload)

  reloadPeriodically(app, {
    intervalMs: opts.config.officeRegistryRefreshMs,
    reload,
    age: {
      name: 'tqdt_office_registry_age_seconds',
      help: 'Seconds since this node last read the office registry (-1: never)',
      loadedAt: () => registry.loadedAt,
    },
  })
  // Before validation, which is where codes are checked: a node that never read the registry reads
  // it (or answers 503); a request naming a code this node does not know makes it read the registry
  // again first — at most once a second, so a stream of `99ZZ` costs one small query a second.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/api/')) return
    if (!registry.loaded) {
      await reload()
      if (!registry.loaded) throw databaseUnavailable(5)
      return
    }
    if (Date.now() - registry.loadedAt < ON_DEMAND_RELOAD_MIN_MS) return
    if (registry.mentionsUnknownCode([request.params, request.query, request.body])) await reload()
  })
}

export default fp(officeRegistryPlugin, { name: 'office-registry', dependencies: ['postgres', 'metrics'] })
