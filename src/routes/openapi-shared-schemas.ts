// Named schemas written once (issue 17 review: docs/openapi.json had grown to 35,000 lines because
// every operation inlined what it answers — the handover a write answers 11 times, the error body in
// some 300 responses). A schema given a `title` in src/schemas is moved to components.schemas under
// that title and referred to by `$ref` wherever the document had a copy of it, so generated clients
// get one named type per record and the document reads like the API. Only exact copies are shared:
// a variant with the same title (e.g. the same record with another description) stays inline.
type Json = Record<string, unknown>

const isObject = (node: unknown): node is Json => typeof node === 'object' && node !== null && !Array.isArray(node)

/** JSON with keys sorted, so two copies of a schema compare equal whatever order Fastify wrote them in. */
function canonical(node: unknown): string {
  if (Array.isArray(node)) return `[${node.map(canonical).join(',')}]`
  if (isObject(node)) return `{${Object.keys(node).sort().map((k) => `${JSON.stringify(k)}:${canonical(node[k])}`).join(',')}}`
  return JSON.stringify(node)
}

/** Moves every titled schema under the paths into components.schemas, innermost first, and refers to it. */
export function shareTitledSchemas<T extends { paths?: unknown; components?: unknown }>(document: T): T {
  const components = (isObject(document.components) ? document.components : {}) as Json
  const schemas = (isObject(components.schemas) ? components.schemas : {}) as Json
  const shared = new Map<string, string>()

  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit)
    if (!isObject(node)) return node
    for (const key of Object.keys(node)) node[key] = visit(node[key])
    const title = node.title
    if (typeof title !== 'string' || node.type !== 'object') return node
    const text = canonical(node)
    const known = shared.get(title)
    if (known === undefined && !(title in schemas)) {
      shared.set(title, text)
      schemas[title] = node
    } else if (known !== text) {
      return node
    }
    return { $ref: `#/components/schemas/${title}` }
  }

  document.paths = visit(document.paths)
  components.schemas = schemas
  document.components = components
  return document
}
