// numbersFromCsvText: a back-entry CSV cell is text; where the row kind's schema takes a number it is
// read as one, and only there (a paper number of digits stays text); what is not a number is a
// FIELD_TYPE problem quoting the cell. JSON bodies are not converted at all (body-types.test.ts).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { ROW_SCHEMAS } from '../../src/schemas/back-entry-row-schemas.ts'
import { numbersFromCsvText, rowsFromCsv } from '../../src/services/back-entry-parser.ts'

const example = readFileSync(new URL('../../docs/examples/back-entry-example.csv', import.meta.url), 'utf8')

t.test('the example file: every number of every row is read, every text stays text', async (t) => {
  const rows = rowsFromCsv(example, 100)
  for (const row of rows) {
    t.same(numbersFromCsvText(ROW_SCHEMAS[row.kind as keyof typeof ROW_SCHEMAS], row.data), [], `row ${row.rowNo} (${row.kind})`)
  }
  t.match(rows[4]?.data, { quantity: 30, paperReference: 'GS-0003', declarationNumber: '108557295070' })
  t.same(rows[0]?.data.declarationNumbers, ['308557295080'])
  const declaration = rows[6]?.data
  t.match(declaration, { receiptYear: 2025, receiptNumber: 9001, channel: 1, taxCode: '0100109106', office: '02CI' })
  t.equal(typeof declaration?.receiptYear, 'number')
  t.equal(typeof declaration?.taxCode, 'string', 'a code of digits stays text')
})

t.test('what a number is: digits, a decimal point, an exponent; nothing else', async (t) => {
  const lot = (quantity: string) => {
    const data: Record<string, unknown> = { declarationNumber: '108557295070', lotNumber: 'LOT-A', quantity, paperReference: 'GS-1' }
    return { problems: numbersFromCsvText(ROW_SCHEMAS['gate-lot'], data), quantity: data.quantity }
  }
  for (const [text, value] of [['30', 30], ['20.5', 20.5], ['.5', 0.5], ['1e3', 1000], ['+7', 7], ['007', 7]] as const) {
    t.same(lot(text), { problems: [], quantity: value }, text)
  }
  for (const text of ['ten', '25000,5', '1 000', '0x1F', '1e400', 'Infinity', 'NaN', '-', '.']) {
    const { problems, quantity } = lot(text)
    t.same(problems.map((p) => `${p.field}:${p.code}`), ['quantity:FIELD_TYPE'], text)
    t.ok(problems[0]?.message?.includes(`"${text}"`), `${text}: the message quotes the cell`)
    t.equal(quantity, text, `${text}: left as it was, for the schema to refuse too`)
  }
  const long = lot('x'.repeat(10_000)).problems[0]?.message ?? ''
  t.ok(long.length < 200, `a long cell is quoted in part (${long.length} characters)`)
})

t.test('inside a JSON cell, a list of one, and fields the schema does not know', async (t) => {
  const data: Record<string, unknown> = {
    goodsLines: [{ hsCode: '85171300', quantity: '100', value: 'much', currency: 'USD' }],
    receiptNumber: '12',
    declarantName: '123',
    colour: '5',
  }
  const problems = numbersFromCsvText(ROW_SCHEMAS['paper-declaration'], data)
  t.same(problems.map((p) => `${p.field}:${p.code}`), ['goodsLines.0.value:FIELD_TYPE'])
  t.match(data, { goodsLines: [{ hsCode: '85171300', quantity: 100, value: 'much' }], receiptNumber: 12, declarantName: '123', colour: '5' })

  const handover: Record<string, unknown> = { declarationNumbers: '308557295080', containers: [{ containerNumber: 'TGHU1000039' }] }
  t.same(numbersFromCsvText(ROW_SCHEMAS.handover, handover), [])
  t.same(handover.declarationNumbers, ['308557295080'], 'one value where a list is due: a list of one')
})
