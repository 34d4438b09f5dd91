// A search bound of the wrong shape keeps its stable code INVALID_DATE_TIME although the schema now
// publishes (and validates) its shape as a pattern: Ajv reports a `pattern` error, not a `format` one.
import t from 'tap'
import { Ajv } from 'ajv'
import { validationProblems } from '../../src/errors.ts'
import { SearchQuery } from '../../src/schemas/paper-declaration-schemas.ts'
import { identifierPatterns } from '../../src/domain/identifier-patterns.ts'

const ajv = new Ajv({ allErrors: true, strict: false })
for (const name of [...Object.keys(identifierPatterns), 'date-time', 'date', 'uuid']) ajv.addFormat(name, true)
const validate = ajv.compile(SearchQuery)

t.test('a bound of the wrong shape is INVALID_DATE_TIME, an other pattern stays FIELD_FORMAT', async (t) => {
  for (const [query, field] of [[{ from: 'yesterday' }, 'querystring.from'], [{ to: '2025-1-1' }, 'querystring.to']] as const) {
    t.notOk(validate(query), JSON.stringify(query))
    t.same(validationProblems(validate.errors as never, 'querystring').map((p) => ({ field: p.field, code: p.code })), [{ field, code: 'INVALID_DATE_TIME' }])
  }
  t.ok(validate({ from: '2025-01-01', to: '2025-01-31T23:59:59+07:00' }), 'a day and a date-time pass the shape')
  const other = new Ajv({ allErrors: true }).compile({ type: 'object', properties: { x: { type: 'string', pattern: '^[0-9]+$' } } })
  t.notOk(other({ x: 'a' }))
  t.equal(validationProblems(other.errors as never, 'body')[0]?.code, 'FIELD_FORMAT')
})
