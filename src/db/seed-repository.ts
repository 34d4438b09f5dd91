// SQL of the bulk seeder (src/commands/seed-command.ts): COPY FROM STDIN for the rows, and the
// handover numbers taken from the app's own sequences, so records the app writes later never collide
// with what was seeded.
import type { Client } from 'pg'
import type { Queryable } from './database.ts'

/**
 * One COPY ... FROM STDIN as a pg "submittable" (the protocol hook pg-copy-streams uses), so a bulk
 * load needs no extra package: the chunks go out as CopyData messages once the server asks for them.
 */
class CopyIn {
  readonly text: string
  private readonly chunks: string[]
  private error: Error | null = null
  private done = false
  rowCount = 0
  callback: ((err: Error | null, rowCount: number) => void) | null = null

  constructor(text: string, chunks: string[]) {
    this.text = text
    this.chunks = chunks
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text)
  }

  handleCopyInResponse(connection: { sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(Buffer.from(chunk, 'utf8'))
    connection.endCopyFrom()
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rowCount = Number(/COPY (\d+)/.exec(msg.text ?? '')?.[1] ?? 0)
  }

  // A server error is followed by ReadyForQuery; a dead socket is not: answer on whichever comes first.
  handleError(err: Error): void {
    this.error = err
    this.finish()
  }

  handleReadyForQuery(): void {
    this.finish()
  }

  handleCopyData(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  private finish(): void {
    if (this.done) return
    this.done = true
    this.callback?.(this.error, this.rowCount)
  }
}

/** A value in COPY's text format: \N for NULL, and the four characters COPY treats specially escaped. */
function copyField(v: string | number | boolean | null): string {
  if (v === null) return '\\N'
  const s = String(v)
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s
}

export type CopyValue = string | number | boolean | null

/** A text[] literal for COPY; the seeder's array elements are digits and letters only. */
export const textArray = (items: string[]) => `{${items.join(',')}}`

const CHUNK_CHARS = 256 * 1024

/** COPYs the rows into `table` (columns in the given order); returns the row count the server reports. */
export async function copyRows(client: Client, table: string, columns: readonly string[], rows: CopyValue[][]): Promise<number> {
  if (rows.length === 0) return 0
  const chunks: string[] = []
  let current = ''
  for (const row of rows) {
    current += row.map(copyField).join('\t') + '\n'
    if (current.length >= CHUNK_CHARS) {
      chunks.push(current)
      current = ''
    }
  }
  if (current) chunks.push(current)
  const copy = new CopyIn(`COPY ${table} (${columns.join(', ')}) FROM STDIN`, chunks)
  return new Promise((resolve, reject) => {
    copy.callback = (err, n) => (err ? reject(err) : resolve(n))
    client.query(copy as never)
  })
}

/** Takes `count` handover numbers per office and year from the app's sequences (migrations/011_write_path.sql). */
export async function reserveHandoverNumbers(q: Queryable, groups: Array<{ office: string; year: number; count: number }>): Promise<Map<string, number[]>> {
  const { rows } = await q.query<{ office: string; year: number; seq: string }>(
    `SELECT g.office, g.year, next_handover_number(g.office, g.year) AS seq
       FROM unnest($1::text[], $2::int[], $3::int[]) AS g(office, year, count), generate_series(1, g.count)`,
    [groups.map((g) => g.office), groups.map((g) => g.year), groups.map((g) => g.count)],
  )
  const numbers = new Map<string, number[]>()
  for (const r of rows) {
    const key = `${r.office}/${r.year}`
    numbers.set(key, [...(numbers.get(key) ?? []), Number(r.seq)])
  }
  return numbers
}

export async function handoverExists(q: Queryable, id: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM handovers WHERE id = $1', [id])
  return rows.length > 0
}

export async function handedOverAtOf(q: Queryable, id: string): Promise<Date | null> {
  const { rows } = await q.query<{ handed_over_at: Date }>('SELECT handed_over_at FROM handovers WHERE id = $1', [id])
  return rows[0]?.handed_over_at ?? null
}

/** Row counts of the seeded tables (exact: for tests and the benchmark's dataset description). */
export async function seededTableCounts(q: Queryable): Promise<Record<string, number>> {
  const { rows } = await q.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM handovers) AS handovers,
            (SELECT count(*) FROM handover_containers) AS handover_containers,
            (SELECT count(*) FROM handover_receipts) AS handover_receipts,
            (SELECT count(*) FROM gate_declarations) AS gate_declarations,
            (SELECT count(*) FROM gate_containers) AS gate_containers,
            (SELECT count(*) FROM gate_confirmations) AS gate_confirmations,
            (SELECT count(*) FROM audit_log) AS audit_log`,
  )
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]))
}
