// buildApp(config): the whole service as one Fastify instance, used by server.ts and by the tests.
// Order: infrastructure plugins (each opens and closes its own connections) → routes → errors.
import type { DestinationStream, LoggerOptions } from 'pino'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import AjvCompiler, { type BuildCompilerFromPool } from '@fastify/ajv-compiler'
import type { Ajv, SchemaValidateFunction } from 'ajv'
import { randomUUID } from 'node:crypto'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Config } from './config.ts'
import { invalid } from './domain/errors.ts'
import { sendError, toAppError } from './errors.ts'
import { unstorableValues } from './services/storable-input.ts'
import { identifierFormats, identifierNormalizers, OFFICE_CODE } from './services/identifiers.ts'
import { OfficeRegistry } from './services/office-registry.ts'
import officeRegistryPlugin from './plugins/office-registry.ts'
import metricsPlugin from './plugins/metrics.ts'
import postgresPlugin from './plugins/postgres.ts'
import databaseMetricsPlugin from './plugins/database-metrics.ts'
import auditSealerPlugin from './plugins/audit-sealer.ts'
import redisPlugin from './plugins/redis.ts'
import queuePlugin from './plugins/queue.ts'
import authPlugin from './plugins/auth.ts'
import rateLimitPlugin from './plugins/rate-limit.ts'
import officerRevocationsPlugin from './plugins/officer-revocations.ts'
import healthPlugin from './plugins/health.ts'
import printLinksPlugin from './plugins/print-links.ts'
import clientAllowlistPlugin from './plugins/client-allowlist.ts'
import { serverTlsOptions } from './tls-files.ts'
import internalListenerPlugin from './plugins/internal-listener.ts'
import apiV1Routes from './routes/api/v1/index.ts'
import { rewriteUrl, routerOptions } from './routes/canonical-url.ts'
import { documentOptionalBodies, documentPerimeterResponses } from './routes/perimeter-responses.ts'
import unroutedRequests, { unroutedError } from './routes/unrouted-requests.ts'
import { addLinks } from './routes/openapi-links.ts'
import { publishIdentifierPatterns } from './routes/openapi-identifier-patterns.ts'
import { openApiInfo } from './routes/openapi-info.ts'
import { shareTitledSchemas } from './routes/openapi-shared-schemas.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

// HAProxy makes the request id (unique-id-header X-Request-Id); anything else is replaced, so a
// client cannot inject arbitrary text into our logs.
const REQUEST_ID = /^[A-Za-z0-9._:\-]{1,128}$/

function addIdentifierFormats(ajv: Ajv, offices: OfficeRegistry): Ajv {
  for (const [name, validate] of Object.entries(identifierFormats)) ajv.addFormat(name, { type: 'string', validate })
  // `x-normalize: container-number` rewrites the value as officers type it into its stored form,
  // before `format` checks it: one schema keyword instead of each route remembering to clean up.
  ajv.addKeyword({
    keyword: 'x-normalize',
    type: 'string',
    schemaType: 'string',
    modifying: true,
    before: 'format',
    validate: (name: string, data: string, _schema?: unknown, cxt?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number }) => {
      const normalize = identifierNormalizers[name]
      if (normalize && cxt?.parentData) cxt.parentData[cxt.parentDataProperty] = normalize(data)
      return true
    },
  })
  // `x-registered-office`: a well-formed office code must also be in the office registry (a
  // malformed one is left to `format`, so the officer reads one problem per field).
  const registered = (code: string) => !OFFICE_CODE.test(code) || offices.isRegistered(code)
  const validateRegistered: SchemaValidateFunction = (_on: boolean, data: string) => {
    if (registered(data)) return true
    validateRegistered.errors = [{ keyword: 'x-registered-office', message: `${data} is not in the office registry`, params: {} }]
    return false
  }
  ajv.addKeyword({ keyword: 'x-registered-office', type: 'string', schemaType: 'boolean', errors: true, validate: validateRegistered })
  // `x-office-in-use`: an office a new record names must be in use today; an unregistered or
  // malformed code is left to the keywords above (one problem per field).
  const validateInUse: SchemaValidateFunction = (_on: boolean, data: string) => {
    if (!registered(data) || !OFFICE_CODE.test(data) || offices.isInUse(data)) return true
    validateInUse.errors = [{ keyword: 'x-office-in-use', message: `${data} is no longer in use (its valid_to has passed)`, params: {} }]
    return false
  }
  ajv.addKeyword({ keyword: 'x-office-in-use', type: 'string', schemaType: 'boolean', errors: true, validate: validateInUse })
  return ajv
}

/**
 * Fastify's own validator compiler (@fastify/ajv-compiler, one Ajv instance per set of options), twice:
 * a JSON body is validated as sent, so `"3"` for a count, `true` for a limit or `5` for a text is a 400
 * FIELD_TYPE naming the field, never converted (schemathesis: "schema-invalid request accepted" when
 * Ajv coerced them); querystrings, path parameters and headers are text, and keep Ajv's coercion
 * (`?limit=5`). Both instances have every other option, format and keyword of `ajv` below.
 *
 * A custom compiler gets header schemas as written, where Fastify's own lower-cases their property
 * names: header schemas name headers in lower case (`if-match`).
 */
function validatorsByHttpPart(): BuildCompilerFromPool {
  // Made per app: the pool keeps Ajv instances, and the keywords of each close over its app's registry.
  const pool = AjvCompiler()
  return (externalSchemas, options) => {
    const forText = pool(externalSchemas, options) as unknown as (route: { httpPart?: string }) => unknown
    const forJson = pool(externalSchemas, {
      ...options,
      customOptions: { ...options?.customOptions, coerceTypes: false },
    } as typeof options) as unknown as (route: { httpPart?: string }) => unknown
    const compile = (route: { httpPart?: string }) => (route.httpPart === 'body' ? forJson : forText)(route)
    return compile as unknown as ReturnType<BuildCompilerFromPool>
  }
}

export async function buildApp(config: Config, options: { logger?: boolean | (LoggerOptions & { stream?: DestinationStream }) } = {}): Promise<FastifyInstance> {
  // Made before Fastify: the schema compiler's keyword reads it; the office-registry plugin fills it.
  const offices = new OfficeRegistry()
  const app: FastifyInstance = Fastify({
    // HTTPS when the node has a certificate (the cluster); the tests inject over plain HTTP.
    ...(config.tls ? { https: serverTlsOptions(config.tls) } : {}),
    // Fastify's logger is pino: its options are pino's (the dependency is declared for this type).
    logger: options.logger ?? ({ level: config.logLevel, base: { node: config.nodeName } } satisfies LoggerOptions),
    // One line per request (the onResponse hook below) instead of Fastify's two: pino and its writes
    // were ~8 % of an app node's busy CPU in a --cpu-prof at 150 GETs/s with two lines per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    routerOptions,
    rewriteUrl,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    // Above HAProxy's idle reuse of server connections, so the proxy never reuses a socket we close.
    keepAliveTimeout: 72_000,
    requestTimeout: config.writeDeadlineMs + 10_000,
    return503OnClosing: true,
    // A malformed percent-encoding or an overlong path parameter is answered by the router itself,
    // before hooks: through the one error shape, not Fastify's own (issue 12: a 414 nobody documented).
    frameworkErrors: (error, request, reply) => sendError(request, reply, toAppError(error)),
    // The error handler builds the answer from error.validation; Fastify's default would first join
    // every Ajv message into one string (megabytes for a large invalid body).
    schemaErrorFormatter: (errors, dataVar) => new Error(`${errors.length} validation errors in ${dataVar}`),
    ajv: {
      // coerceTypes applies to querystrings, params and headers only (validatorsByHttpPart).
      customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true },
      plugins: [(ajv: Ajv) => addIdentifierFormats(ajv, offices)],
    },
    schemaController: { compilersFactory: { buildValidator: validatorsByHttpPart() } },
  })
  app.decorate('config', config)
  // Before any route: the perimeter's own answers (401, 429, 503, …) are documented on every route.
  app.addHook('onRoute', documentPerimeterResponses)
  app.decorate('offices', offices)
  // Set before any route: routes keep the error handler of the context they were registered in.
  // Reached only once authenticated: the auth plugin closes unknown paths too.
  app.setNotFoundHandler((request, reply) => sendError(request, reply, unroutedError(app, request)))
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error as Error)
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed')
    return sendError(request, reply, appError)
  })

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      // A print link's token opens the print for anyone holding it until it expires: not into logs.
      { method: request.method, url: request.url.replace(/([?&]t=)[^&]*/, '$1[redacted]'), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    )
  })

  // A request sent without a body is validated as an empty object, as OpenAPI reads an optional
  // requestBody: a command with nothing to say (run the overdue scan) may be sent bare, and a missing
  // required field is named instead of "body must be object". Media-type bodies (CSV) are left alone.
  // A JSON `null` is not an object, but Fastify's validation lets it through (schemathesis: the overdue
  // scan ran on a body of null): it is refused here like any other body of the wrong type.
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema as { body?: { content?: unknown; type?: unknown } } | undefined
    if (!schema?.body || schema.body.content) return
    if (request.body === undefined) request.body = {}
    else if (request.body === null && schema.body.type === 'object') {
      throw invalid([{ field: 'body', code: 'FIELD_TYPE', message: 'must be object' }])
    }
  })

  // After validation (so coerced query values are numbers) and before any handler touches the database.
  app.addHook('preHandler', async (request) => {
    const problems = [
      ...unstorableValues(request.params, 'params'),
      ...unstorableValues(request.query, 'querystring'),
      ...unstorableValues(request.body, ''),
    ]
    if (problems.length > 0) throw invalid(problems)
  })

  await app.register(metricsPlugin)
  // Before auth, so a client address over its limit is refused before its token is checked.
  await app.register(rateLimitPlugin, { config })
  // Before any route: it sees every route registered after it and refuses a mistyped access rule at startup.
  await app.register(authPlugin, { config })
  // After authentication and before any route: 405 for a method the path does not take.
  await app.register(unroutedRequests)
  await app.register(swagger, {
    openapi: openApiInfo,
    transformObject: (document) =>
      'openapiObject' in document
        ? shareTitledSchemas(addLinks(publishIdentifierPatterns(documentOptionalBodies(document.openapiObject as Parameters<typeof addLinks>[0] & Parameters<typeof documentOptionalBodies>[0]))))
        : document.swaggerObject,
  })
  // The contract is public: client developers read it before they hold a token.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true }
    })
    await docs.register(swaggerUi, { routePrefix: '/docs' })
  })
  await app.register(clientAllowlistPlugin, { config })
  await app.register(postgresPlugin, { config })
  await app.register(databaseMetricsPlugin)
  await app.register(auditSealerPlugin, { config })
  await app.register(healthPlugin)
  await app.register(printLinksPlugin, { config })
  await app.register(officeRegistryPlugin, { config })
  await app.register(officerRevocationsPlugin, { config })
  await app.register(redisPlugin, { config })
  await app.register(queuePlugin, { config })
  await app.register(internalListenerPlugin, { config })
  await app.register(apiV1Routes, { prefix: '/api/v1' })

  return app
}
