// prom-client registry of this app instance (not the global one: tests build several apps) and the
// HTTP metrics. Other plugins add their own metrics to `app.metrics.registry`; the internal listener
// (internal-listener.ts) serves them, never the client port.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry
      /** Counts committed business changes (handover created, container confirmed, …). */
      recordChanges(changes: Array<{ entityType: string; action: string }>): void
    }
  }
}

// Buckets around the SLO (p99 < 50 ms for the officer workload) and the failover ride-through
// (writes may wait up to the 25 s hold).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 40]

async function metricsPlugin(app: FastifyInstance) {
  const registry = new Registry()
  registry.setDefaultLabels({ node: app.config.nodeName })
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })
  const requests = new Counter({
    name: 'tqdt_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'tqdt_http_request_duration_seconds',
    help: 'HTTP request latency by route template and method',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  // entity_type and action come from a fixed set in services/: bounded cardinality.
  const changes = new Counter({
    name: 'tqdt_business_changes_total',
    help: 'Committed business changes by entity type and action',
    labelNames: ['entity_type', 'action'] as const,
    registers: [registry],
  })
  // Which build each node runs, for dashboards and for a deploy caught half way.
  new Gauge({ name: 'tqdt_build_info', help: 'Always 1; the build label is the code this node runs', labelNames: ['build'] as const, registers: [registry] }).set(
    { build: app.config.build },
    1,
  )
  app.decorate('metrics', {
    registry,
    recordChanges(list) {
      for (const c of list) changes.inc({ entity_type: c.entityType, action: c.action })
    },
  })

  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the raw URL: label cardinality stays bounded.
    const route = request.routeOptions.url ?? 'unmatched'
    requests.inc({ method: request.method, route, status: String(reply.statusCode) })
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })
}

export default fp(metricsPlugin, { name: 'metrics' })
