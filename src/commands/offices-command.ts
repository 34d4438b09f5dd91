// The office registry (danh mục mã hải quan), for operators:
//
//   npm run offices -- list                 every office: code, name, parent, city, valid from/to
//   npm run offices -- import FILE.csv      add or update offices from a CSV file (one transaction)
//   npm run offices -- add CODE --name NAME --city CITY [--parent CODE] [--valid-from YYYY-MM-DD]
//                                           add or update one office (the same checks as a file row)
//
// Every app node reads the registry again within OFFICE_REGISTRY_REFRESH_MS (60 s by default).
// The CSV's header names the columns code,name,parentCode,city,validFrom,validTo (parentCode and
// validTo may be empty; dates YYYY-MM-DD, validTo the first day the code is no longer in use). A code
// that goes out of use keeps its row: give it a validTo, never delete it. Every row is checked
// before anything is written; the first problems are printed with their line numbers.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { loadCommandConfig } from '../config.ts'
import { allOffices, upsertOffices, type OfficeUpsert } from '../db/office-repository.ts'
import { parseCsv } from '../services/back-entry-parser.ts'
import { isValidOfficeCode } from '../services/identifiers.ts'

function fail(message: string): never {
  console.error(`offices: ${message}`)
  process.exit(2)
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const REQUIRED = ['code', 'name', 'city', 'validFrom']

export function officesFromCsv(text: string, known: Set<string>): { offices: OfficeUpsert[]; problems: string[] } {
  const [header, ...rows] = parseCsv(text)
  if (!header) return { offices: [], problems: ['the file is empty'] }
  const missing = REQUIRED.filter((c) => !header.includes(c))
  if (missing.length) return { offices: [], problems: [`the header lacks ${missing.join(', ')}`] }
  const col = (row: string[], name: string) => (row[header.indexOf(name)] ?? '').trim()
  const problems: string[] = []
  const offices: OfficeUpsert[] = []
  rows.forEach((row, i) => {
    if (row.every((cell) => cell.trim() === '')) return
    const line = i + 2
    const o: OfficeUpsert = {
      code: col(row, 'code'),
      name: col(row, 'name'),
      parentCode: col(row, 'parentCode') || null,
      city: col(row, 'city'),
      validFrom: col(row, 'validFrom'),
      validTo: col(row, 'validTo') || null,
    }
    if (!isValidOfficeCode(o.code)) problems.push(`line ${line}: code "${o.code}" is not 4 characters like 02CI`)
    if (!o.name) problems.push(`line ${line}: name is empty`)
    if (!o.city) problems.push(`line ${line}: city is empty`)
    if (!DATE.test(o.validFrom)) problems.push(`line ${line}: validFrom "${o.validFrom}" is not YYYY-MM-DD`)
    if (o.validTo !== null && (!DATE.test(o.validTo) || o.validTo <= o.validFrom)) {
      problems.push(`line ${line}: validTo "${o.validTo}" must be a YYYY-MM-DD after validFrom`)
    }
    offices.push(o)
  })
  const codes = new Set([...known, ...offices.map((o) => o.code)])
  for (const o of offices) {
    if (o.parentCode !== null && !codes.has(o.parentCode)) problems.push(`${o.code}: parent ${o.parentCode} is neither registered nor in the file`)
    if (o.parentCode === o.code) problems.push(`${o.code}: an office cannot be its own parent`)
  }
  return { offices, problems }
}

/** One office from `add`'s arguments, as a one-row file would give it. */
function officeFromArgs(args: string[]): string {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, city: { type: 'string' }, parent: { type: 'string' }, 'valid-from': { type: 'string' } },
  })
  const cell = (v: string | undefined) => `"${(v ?? '').replaceAll('"', '""')}"`
  const validFrom = values['valid-from'] ?? new Date().toISOString().slice(0, 10)
  return `code,name,parentCode,city,validFrom,validTo\n${[positionals[0], values.name, values.parent, values.city, validFrom].map(cell).join(',')},\n`
}

async function main() {
  const [verb, file, ...rest] = process.argv.slice(2)
  if (verb !== 'list' && verb !== 'import' && verb !== 'add') fail('usage: npm run offices -- list | import FILE.csv | add CODE --name NAME --city CITY')
  const client = new pg.Client({ connectionString: loadCommandConfig().databaseUrl, connectionTimeoutMillis: 5000 })
  await client.connect().catch((err: Error) => fail(`cannot reach the database: ${err.message}`))
  try {
    const existing = await allOffices(client)
    if (verb === 'list') {
      console.log('code,name,parentCode,city,validFrom,validTo')
      for (const o of existing) console.log([o.code, JSON.stringify(o.name), o.parentCode ?? '', JSON.stringify(o.city), o.validFrom, o.validTo ?? ''].join(','))
      return
    }
    if (!file) fail(verb === 'add' ? 'add needs an office code' : 'import needs a CSV file')
    let text: string
    try {
      text = verb === 'add' ? officeFromArgs([file, ...rest]) : readFileSync(file, 'utf8')
    } catch (err) {
      fail(verb === 'add' ? (err as Error).message : `cannot read ${file}: ${(err as Error).message}`)
    }
    const { offices, problems } = officesFromCsv(text, new Set(existing.map((o) => o.code)))
    if (problems.length) fail(`nothing imported; fix these first:\n  ${problems.slice(0, 20).join('\n  ')}`)
    await client.query('BEGIN')
    await upsertOffices(client, offices)
    await client.query('COMMIT')
    const before = new Set(existing.map((o) => o.code))
    const added = offices.filter((o) => !before.has(o.code)).length
    console.log(`offices: ${added} added, ${offices.length - added} updated (${verb === 'add' ? file : `${offices.length} rows of ${file}`})`)
  } finally {
    await client.end().catch(() => undefined)
  }
}

if (import.meta.main) await main()
