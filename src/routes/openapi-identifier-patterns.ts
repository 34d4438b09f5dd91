// Each identifier format's shape, published as a `pattern` beside its `format` in the OpenAPI document
// (issue 12, item 5), so a generated client or a fuzzer can check a value before sending it. Added to
// the document only: the server validates the `format`, which checks the same shape and the check
// digit; validating the pattern too would double the work and the errors of a large invalid body
// (60,000 bad declaration numbers took twice as long) for nothing the format does not already refuse
// (test/unit/identifier-patterns.test.ts proves the format never accepts what the pattern refuses).
import { identifierPatterns } from '../domain/identifier-patterns.ts'
import { KEY_PATTERN } from './write-door.ts'

const isFormat = (format: unknown): format is keyof typeof identifierPatterns => typeof format === 'string' && format in identifierPatterns

function addPatterns(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) addPatterns(item)
    return
  }
  if (!node || typeof node !== 'object') return
  const schema = node as Record<string, unknown>
  // The Idempotency-Key header's shape, which write-door.ts checks (IDEMPOTENCY_KEY_INVALID): in the
  // document only, so the refusal keeps its own code.
  if (schema.in === 'header' && schema.name === 'idempotency-key' && schema.schema && typeof schema.schema === 'object') {
    ;(schema.schema as Record<string, unknown>).pattern ??= KEY_PATTERN.source
  }
  if (schema.type === 'string' && isFormat(schema.format) && schema.pattern === undefined) schema.pattern = identifierPatterns[schema.format]
  for (const value of Object.values(schema)) addPatterns(value)
}

/** Adds `pattern` to every string schema of the document whose `format` is an identifier format, and to Idempotency-Key. */
export function publishIdentifierPatterns<T extends object>(document: T): T {
  addPatterns(document)
  return document
}
