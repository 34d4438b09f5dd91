// The contract is a valid OpenAPI document (issue 12, item 5: it claimed 3.0.3 while using 3.1's
// numeric exclusiveMinimum, and every generator or fuzzer that trusted the claim misread it).
// @readme/openapi-parser checks it against the official OpenAPI 3.1 schema plus the rules that schema
// cannot state (unique operationIds, path parameters declared in their path, …); every schema in it is
// also compiled as JSON Schema 2020-12, the dialect 3.1 declares, in strict mode, so a keyword of the
// wrong type (a boolean exclusiveMinimum) or a misspelt one fails here.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileErrors, validate } from '@readme/openapi-parser'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { identifierFormats } from '../../src/services/identifiers.ts'
import { identifierPatterns } from '../../src/domain/identifier-patterns.ts'

type Json = Record<string, unknown>

let served: Promise<Json> | undefined
/** The document as the service serves it, built once; each caller gets its own copy to change. */
async function servedDocument(): Promise<Json> {
  served ??= buildDocument()
  return structuredClone(await served)
}

async function buildDocument(): Promise<Json> {
  const config = loadConfig({}, { jwtSecret: randomBytes(32).toString('hex'), logLevel: 'silent', queueEnabled: false, redisSentinels: [], redisUrl: null })
  const app = await buildApp(config, { logger: false })
  await app.ready()
  try {
    return JSON.parse(JSON.stringify(app.swagger())) as Json
  } finally {
    await app.close()
  }
}

const checkedIn = () => JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/openapi.json'), 'utf8')) as Json

async function openApiProblems(document: Json): Promise<string | null> {
  const result = await validate(structuredClone(document) as never)
  return result.valid ? null : compileErrors(result)
}

/** Every Schema Object of the document (request bodies, parameters, responses, components), with where it is. */
function schemasOf(document: Json): Array<{ where: string; schema: Json }> {
  const found: Array<{ where: string; schema: Json }> = []
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node as Json)) {
      if (key === 'schema' && value && typeof value === 'object') found.push({ where: `${where}/schema`, schema: value as Json })
      else walk(value, `${where}/${key}`)
    }
  }
  walk(document.paths, '#/paths')
  for (const [name, schema] of Object.entries(((document.components as Json | undefined)?.schemas ?? {}) as Json)) {
    found.push({ where: `#/components/schemas/${name}`, schema: schema as Json })
  }
  return found
}

function jsonSchemaProblems(document: Json): string[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: true })
  addFormats.default(ajv)
  for (const name of Object.keys(identifierFormats)) ajv.addFormat(name, true)
  // OpenAPI's own vocabulary inside a Schema Object (3.1 §4.8.24), and the specification extensions
  // (x-…) a Schema Object may carry: ours are validator keywords of the app (x-normalize, …).
  const extensions = new Set(JSON.stringify(document).match(/"x-[A-Za-z0-9-]+"(?=:)/g)?.map((k) => k.slice(1, -1)) ?? [])
  for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs', ...extensions]) ajv.addKeyword(keyword)
  // `$ref`s point into the document's components: register them under the document's own pointers
  // (`components` is the wrapper's only keyword, declared so strict mode accepts the wrapper itself).
  ajv.addKeyword('components')
  ajv.addSchema({ $id: 'doc', components: document.components ?? {} } as Json)
  const problems: string[] = []
  for (const { where, schema } of schemasOf(document)) {
    const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/components/', '"$ref":"doc#/components/')) as Json
    try {
      ajv.compile(rebased)
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`)
    }
  }
  return problems
}

t.test('the document the service serves is valid OpenAPI 3.1, and docs/openapi.json is that document', async (t) => {
  const served = await servedDocument()
  t.equal(served.openapi, '3.1.0', 'it claims the version whose schema dialect it uses')
  t.equal(await openApiProblems(served), null, '@readme/openapi-parser finds no problem')
  t.same(checkedIn(), served, 'docs/openapi.json is current (npm run openapi)')
})

t.test('every Schema Object in it compiles as JSON Schema 2020-12 in strict mode', async (t) => {
  const document = await servedDocument()
  const schemas = schemasOf(document)
  t.ok(schemas.length > 100, `${schemas.length} schemas found`)
  t.same(jsonSchemaProblems(document).slice(0, 10), [], 'no keyword of the wrong type, no unknown keyword')
})

t.test('every identifier format is published with its pattern, so a client can check the shape before sending', async (t) => {
  const seen: Record<string, number> = {}
  const wrong: string[] = []
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== 'object') return
    const schema = node as Json
    if (typeof schema.format === 'string' && schema.format in identifierPatterns) {
      const format = schema.format as keyof typeof identifierPatterns
      seen[format] = (seen[format] ?? 0) + 1
      if (schema.pattern !== identifierPatterns[format]) wrong.push(`${where}: ${format} without its pattern`)
    }
    for (const [key, value] of Object.entries(schema)) walk(value, `${where}/${key}`)
  }
  walk((await servedDocument()).paths, '#/paths')
  t.same(Object.keys(seen).sort(), Object.keys(identifierPatterns).sort(), `every identifier format appears: ${JSON.stringify(seen)}`)
  t.same(wrong.slice(0, 5), [], 'each with its pattern')
})

t.test('the checks would catch what the old document did', async (t) => {
  // The 3.0.3 claim with 3.1's numeric exclusiveMinimum: what the document said before issue 12.
  const old = await servedDocument()
  old.openapi = '3.0.3'
  const problems = await openApiProblems(old)
  t.ok(problems, 'a 3.0.3 claim over 3.1 schemas is refused by the validator')
  t.match(problems ?? '', /exclusiveMinimum|type|nullable|anyOf|must/, (problems ?? '').split('\n').slice(0, 3).join(' '))

  for (const [keyword, value, what] of [['exclusiveMinimum', true, 'a boolean exclusiveMinimum (3.0)'], ['minimun', 1, 'a misspelt keyword']] as const) {
    const broken = await servedDocument()
    const target = schemasOf(broken).find(({ schema }) => schema.type === 'object')
    t.ok(target, 'a schema to break')
    ;(target!.schema as Json)[keyword] = value
    t.ok(jsonSchemaProblems(broken).length > 0, `${what} fails the strict compile`)
  }

  const dangling = await servedDocument()
  const paths = dangling.paths as Record<string, Record<string, { operationId?: string }>>
  const [a, b] = Object.values(paths).flatMap((ops) => Object.values(ops)).slice(0, 2)
  b!.operationId = a!.operationId
  t.ok(await openApiProblems(dangling), 'two operations with one operationId are refused')
})

t.test('each record the API answers is one named schema, referred to wherever it is answered', async (t) => {
  const document = await servedDocument()
  const named = Object.keys(((document.components as Json).schemas ?? {}) as Json)
  for (const name of ['ErrorBody', 'Handover', 'HandoverWriteResult', 'HandoverAmendment', 'HandoverIncident', 'ApprovalRequest', 'GateConfirmation', 'Notice']) {
    t.ok(named.includes(name), `${name} is in components.schemas`)
  }
  const text = JSON.stringify(document.paths)
  const refs = (name: string) => text.split(`"$ref":"#/components/schemas/${name}"`).length - 1
  t.ok(refs('HandoverWriteResult') >= 10, `every handover write refers to HandoverWriteResult (${refs('HandoverWriteResult')})`)
  t.ok(refs('ErrorBody') >= 300, `every error response refers to ErrorBody (${refs('ErrorBody')})`)
  // What the sharing is for: the document had grown to 35,000 lines, inlining the same records.
  const lines = JSON.stringify(document, null, 2).split('\n').length
  t.ok(lines < 20_000, `${lines} lines`)
  // An exact copy only: a schema with a title of its own content stays where it is.
  const { shareTitledSchemas } = await import('../../src/routes/openapi-shared-schemas.ts')
  const variant = { type: 'object', title: 'X', properties: { a: { type: 'string' } } }
  const shared = shareTitledSchemas<{ paths?: unknown; components?: unknown }>({
    paths: { '/a': { get: { schema: variant } }, '/b': { get: { schema: { ...variant, description: 'another' } } }, '/c': { get: { schema: { ...variant } } } },
  }) as unknown as { paths: Record<string, { get: { schema: Json } }>; components: { schemas: Json } }
  t.same(shared.paths['/a']?.get.schema, { $ref: '#/components/schemas/X' })
  t.same(shared.paths['/c']?.get.schema, { $ref: '#/components/schemas/X' }, 'an exact copy refers to it')
  t.equal(shared.paths['/b']?.get.schema.description, 'another', 'a variant stays inline')
  t.same(shared.components.schemas.X, variant)
})
