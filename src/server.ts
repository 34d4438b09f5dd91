// The process: listen, and on SIGTERM/SIGINT drain (readiness 503 until HAProxy has stopped
// sending), finish in-flight requests, close pools.
import { buildApp } from './app.ts'
import type { Server } from 'node:tls'
import { loadConfig, type Config } from './config.ts'
import { serverTlsOptions } from './tls-files.ts'

let config: Config
try {
  config = loadConfig()
} catch (err) {
  console.error(`tqdt: configuration error: ${(err as Error).message}`)
  process.exit(2)
}

const app = await buildApp(config)
let shuttingDown = false

async function shutdown(signal: string) {
  if (shuttingDown) return
  shuttingDown = true
  app.log.info({ signal, drainMs: config.shutdownDrainMs }, 'draining: readiness now 503')
  app.draining = true
  // HAProxy needs inter × fall to mark us down; until then it may still send requests, which we serve.
  await new Promise((r) => setTimeout(r, config.shutdownDrainMs))
  const forced = setTimeout(() => {
    app.log.error('in-flight requests did not finish in time; exiting')
    process.exit(1)
  }, config.writeDeadlineMs + 5000)
  forced.unref()
  await app.close()
  app.log.info('closed')
  process.exit(0)
}

// A certificate rotation (npm run pki -- rotate) rewrites the files and sends SIGHUP: new
// connections get the new certificate, open ones keep theirs.
process.on('SIGHUP', () => {
  if (!config.tls) return
  try {
    const options = serverTlsOptions(config.tls)
    ;(app.server as unknown as Server).setSecureContext(options)
    ;(app.internalListener.server as unknown as Server).setSecureContext(options)
    app.log.info('TLS certificate reloaded')
  } catch (err) {
    app.log.error({ err }, 'TLS certificate reload failed: the previous one stays')
  }
})
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
// Every client error emitter has a listener (pools, checked-out clients, Redis, pg-boss); anything
// that still escapes is a bug: log it with context and exit so HAProxy routes around this node.
process.on('uncaughtException', (err) => {
  app.log.fatal({ err }, 'uncaught exception')
  process.exit(1)
})
process.on('unhandledRejection', (err) => {
  app.log.error({ err }, 'unhandled promise rejection')
})

try {
  await app.listen({ host: config.host, port: config.port })
  if (config.internalPort > 0) await app.internalListener.listen({ host: config.internalHost, port: config.internalPort })
} catch (err) {
  app.log.fatal({ err }, 'could not listen')
  process.exit(1)
}
