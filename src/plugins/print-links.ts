// The signer of print links and print verification codes (services/print-link-service.ts), from the
// configured key or one derived from the shared JWT secret, so every app node signs and accepts the
// same links. Null when neither is configured: print links then answer 503.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.ts'
import { AppError } from '../errors.ts'
import { PrintLinkSigner } from '../services/print-link-service.ts'
import type { PrintDeps } from '../services/print-service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** What print services need: the signer and the public base URL. Throws 503 when not configured. */
    printDeps(): PrintDeps
  }
}

async function printLinksPlugin(app: FastifyInstance, opts: { config: Config }) {
  const secret = opts.config.printLinkSecret ?? opts.config.jwtSecret
  const deps: PrintDeps | null = secret
    ? { signer: new PrintLinkSigner(secret, opts.config.printLinkTtlSeconds), baseUrl: opts.config.publicBaseUrl }
    : null
  app.decorate('printDeps', () => {
    if (!deps) {
      throw new AppError(503, 'PRINT_LINKS_NOT_CONFIGURED', 'Print links are not configured on this server: set PRINT_LINK_SECRET_FILE')
    }
    return deps
  })
}

export default fp(printLinksPlugin, { name: 'print-links' })
