// The contract stage allows a schema-valid request to be refused only by a rule listed in docs/api.md's
// table "What the schema cannot say". CI at bcf84bf failed on a rule that was documented in prose but
// missing from the table (DESTINATION_IS_DEPARTURE: schemathesis happened to send the officer's own
// office as the destination). Fuzzing meets a rare rule on a rare seed, so this test finds such a gap
// on every run: every problem code the services and routes emit is in the table, or listed below
// with the reason it can never be the refusal of a schema-valid request.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { rulesTheSchemaCannotSay, unexplained } from '../contract/run-contract-fuzz.ts'

const ROOT = join(import.meta.dirname, '../..')
const rules = rulesTheSchemaCannotSay(readFileSync(join(ROOT, 'docs/api.md'), 'utf8'))

const AUDIT_FINDING = 'a finding in the 200 report of GET /api/v1/audit/verify, not a refusal'
const ROW_OUTCOME = 'the outcome of one row of a back-entry batch the service accepted (202), not a refusal of the request'
const NOT_A_SCHEMA_VALID_REFUSAL: Record<string, string> = {
  CHECKPOINT_BEYOND_TREE: AUDIT_FINDING,
  CHECKPOINT_DIFFERS: AUDIT_FINDING,
  CHECKPOINT_KEY_UNKNOWN: AUDIT_FINDING,
  CHECKPOINT_MISSING_IN_DATABASE: AUDIT_FINDING,
  CHECKPOINT_MISSING_IN_STORE: AUDIT_FINDING,
  CHECKPOINT_NOT_EXPORTED: AUDIT_FINDING,
  CHECKPOINT_ROOT_MISMATCH: AUDIT_FINDING,
  CHECKPOINT_SIGNATURE_INVALID: AUDIT_FINDING,
  COLUMNS_DIFFER_FROM_ENTRY: AUDIT_FINDING,
  DOUBLE_SEAL: AUDIT_FINDING,
  EDGE_MISMATCH: AUDIT_FINDING,
  ROW_CONTENT_CHANGED: AUDIT_FINDING,
  ROW_MISSING: AUDIT_FINDING,
  ROW_NOT_SEALED: AUDIT_FINDING,
  SEQUENCE_GAP: AUDIT_FINDING,
  CSV_CELL_NOT_JSON: ROW_OUTCOME,
  CSV_COLUMN_CONFLICT: ROW_OUTCOME,
  CSV_TOO_MANY_FIELDS: ROW_OUTCOME,
  ROW_UNREADABLE: ROW_OUTCOME,
  ROW_KIND_NOT_SUPPORTED: ROW_OUTCOME,
  HANDOVER_REFERENCE_REQUIRED: ROW_OUTCOME,
  UNKNOWN_ROW_KIND: ROW_OUTCOME,
  INTERNAL_ERROR: ROW_OUTCOME,
  FIELD_NOT_ALLOWED_VALUE: 'an enum or const of the schema (and a back-entry row kind, a row outcome)',
  FIELD_FORMAT: "a pattern or format of the schema, or a NUL character, which schemathesis.toml's allow-x00 = false never sends",
  FIELD_TYPE: 'a type of the schema (a non-finite number cannot be written in JSON)',
  IDEMPOTENCY_KEY_INVALID: "the Idempotency-Key header's pattern in the document says it",
  VALIDATION_FAILED: 'the envelope of a 400: the contract stage checks the codes of its details',
  UNSUPPORTED_MEDIA_TYPE: "a Content-Type the operation's requestBody does not list: not a schema-valid request",
  MALFORMED_URL: 'a percent-encoding that does not decode: the URL has no parameter values to be valid',
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

/** Refusals at a field the document itself rules out, by `field:CODE`. */
const SCHEMA_SAYS_IT: Record<string, string> = {
  'body:FIELD_REQUIRED': "a back-entry upload without a body: the document marks the batch's requestBody required",
}

const emitted = new Map<string, string>()
/** `field:CODE` of each problem whose field is a literal, a list index (`${i}`) standing for N. */
const atFields = new Map<string, string>()
// Every way a refusal gets its code: a problem's `code:`, and the statuses schemathesis counts as a
// schema-valid request rejected (its positive-data check accepts 2xx, 3xx, 401, 403, 404, 409, 429
// and 5xx): 400, 412, 413, 415, 422, 428.
const REFUSAL_CODE = [
  /\bcode: '([A-Z][A-Z0-9_]+)'/g,
  /\b(?:preconditionFailed|unprocessable)\('([A-Z][A-Z0-9_]+)'/g,
  /\bnew AppError\((?:400|412|413|415|422|428), '([A-Z][A-Z0-9_]+)'/g,
]
const sources = [...sourceFiles(join(ROOT, 'src/services')), ...sourceFiles(join(ROOT, 'src/routes')), ...sourceFiles(join(ROOT, 'src/plugins')), join(ROOT, 'src/errors.ts'), join(ROOT, 'src/app.ts')]
for (const file of sources) {
  const source = readFileSync(file, 'utf8')
  const where = file.slice(ROOT.length + 1)
  for (const pattern of REFUSAL_CODE) for (const m of source.matchAll(pattern)) emitted.set(m[1] as string, where)
  for (const m of source.matchAll(/\bfield: ('[^'`$]*'|`[^`]*`), code: '([A-Z][A-Z0-9_]+)'/g)) {
    const field = (m[1] as string).slice(1, -1).replace(/\$\{(?:i|j|k|index)\}/g, '0')
    // A field built from another value (a prefix, a column name) is checked by its code only.
    if (!field.includes('${')) atFields.set(`${field}:${m[2]}`, where)
  }
}

t.test('every problem code of the services and routes is in the table or cannot refuse a schema-valid request', async (t) => {
  t.ok(emitted.size > 50, `found the problem codes (${emitted.size})`)
  const inTable = new Set(rules.map((r) => r.code))
  const missing = [...emitted].filter(([code]) => !inTable.has(code) && !(code in NOT_A_SCHEMA_VALID_REFUSAL))
  t.same(missing.map(([code, file]) => `${code} (${file})`), [], 'add a row to docs/api.md\'s table "What the schema cannot say", or a reason here')
  const stale = Object.keys(NOT_A_SCHEMA_VALID_REFUSAL).filter((code) => !emitted.has(code))
  t.same(stale, [], 'a reason for a code no source emits any more')
  const both = Object.keys(NOT_A_SCHEMA_VALID_REFUSAL).filter((code) => inTable.has(code))
  t.same(both, [], 'a code is either allowed by the table or never a refusal, not both')
})

t.test('every problem at a literal field is allowed there by the table, or cannot refuse a schema-valid request', async (t) => {
  t.ok(atFields.size > 50, `found the problems at literal fields (${atFields.size})`)
  const missing = [...atFields]
    .filter(([pair]) => !(pair in SCHEMA_SAYS_IT) && !(pair.slice(pair.lastIndexOf(':') + 1) in NOT_A_SCHEMA_VALID_REFUSAL))
    .filter(([pair]) => {
      const at = pair.lastIndexOf(':')
      return unexplained({ code: 'VALIDATION_FAILED', details: [{ field: pair.slice(0, at), code: pair.slice(at + 1) }] }, rules) !== null
    })
  t.same(missing.map(([pair, file]) => `${pair} (${file})`), [], 'a table row names the code but not this field (a list index is written N)')
  t.same(Object.keys(SCHEMA_SAYS_IT).filter((pair) => !atFields.has(pair)), [], 'a reason for a problem no source emits any more')
})

t.test('the table allows a refusal only for its code at its fields', async (t) => {
  const body = (field: string, code: string) => ({ code: 'VALIDATION_FAILED', details: [{ field, code }] })
  t.equal(unexplained(body('destinationOffice', 'DESTINATION_IS_DEPARTURE'), rules), null, 'the rule CI met at bcf84bf')
  t.equal(unexplained(body('containerNumbers.2', 'CONTAINER_DUPLICATE'), rules), null, 'a list index at the end of a field (.N)')
  t.equal(unexplained(body('seals.10.newSeal', 'NEW_SEAL_SAME_AS_OLD'), rules), null, 'a list index inside a field')
  t.equal(unexplained(body('lines.3.quantity', 'FIELD_PRECISION'), rules), null, 'a field under * prefix')
  t.equal(unexplained(body('seals.x.newSeal', 'NEW_SEAL_SAME_AS_OLD'), rules), 'seals.x.newSeal:NEW_SEAL_SAME_AS_OLD', '.N is a number')
  t.equal(unexplained(body('vehicle', 'DESTINATION_IS_DEPARTURE'), rules), 'vehicle:DESTINATION_IS_DEPARTURE', 'a code at another field')
  t.equal(unexplained(body('x', 'SOMETHING_NEW'), rules), 'x:SOMETHING_NEW', 'a code nobody documented')
  t.equal(unexplained({ code: 'PRECONDITION_REQUIRED' }, rules), null, 'a refusal without details, by its code')
  t.equal(unexplained(null, rules), 'the answer has no error code')
})
