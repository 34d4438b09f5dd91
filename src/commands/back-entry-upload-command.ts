// Uploads a back-entry file (CSV or JSON) and shows a progress bar until the batch is done, then
// the counts and every rejected row with its reason.
//   npm run back-entry:upload -- FILE [--api URL] [--token TOKEN] [--interval MS] [--timeout S]
// --api defaults to $API (else http://127.0.0.1:3000), --token to $TOKEN. The Idempotency-Key is
// derived from the file's content, so running the command again after a network error neither
// uploads twice nor applies anything twice (the service also recognises the same content itself).
// Exit codes: 0 done, 1 request failed, 2 usage, 3 not done within --timeout.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'

interface Progress {
  id: string
  status: string
  total: number
  processed: number
  percentage: number
  counts: { pending: number; accepted: number; duplicate: number; rejected: number }
  duplicate?: boolean
}

interface ReportPage {
  items: Array<{ rowNo: number; kind: string; code: string | null; reason: string | null; details: unknown }>
  nextCursor: string | null
}

const BAR_WIDTH = 30

function usage(message: string): never {
  console.error(`back-entry-upload: ${message}`)
  console.error('usage: npm run back-entry:upload -- FILE [--api URL] [--token TOKEN] [--interval MS] [--timeout S]')
  process.exit(2)
}

export function progressLine(p: Progress): string {
  const filled = Math.round((p.percentage / 100) * BAR_WIDTH)
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled)
  const c = p.counts
  return `[${bar}] ${p.percentage.toFixed(1).padStart(5)}% ${p.processed}/${p.total}  accepted ${c.accepted}  duplicate ${c.duplicate}  rejected ${c.rejected}`
}

async function request<T>(url: string, token: string, init: RequestInit = {}): Promise<{ body: T; headers: Headers }> {
  const res = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
    signal: AbortSignal.timeout(60_000),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${res.status} ${text}`)
  return { body: JSON.parse(text) as T, headers: res.headers }
}

const call = async <T>(url: string, token: string, init: RequestInit = {}): Promise<T> => (await request<T>(url, token, init)).body

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      api: { type: 'string', default: process.env.API || 'http://127.0.0.1:3000' },
      token: { type: 'string', default: process.env.TOKEN },
      interval: { type: 'string', default: '500' },
      timeout: { type: 'string', default: '1800' },
    },
  })
  const file = positionals[0]
  if (!file) usage('name the file to upload')
  if (!values.token) usage('give --token or set TOKEN')
  const token = values.token
  const api = values.api.replace(/\/$/, '')
  const content = await readFile(file).catch((err: Error) => usage(`cannot read ${file}: ${err.message}`))
  const isJson = file.toLowerCase().endsWith('.json')
  const key = `back-entry-${createHash('sha256').update(content).digest('hex').slice(0, 40)}`
  const fileName = path.basename(file)

  const { body: uploaded, headers } = await request<Progress>(`${api}/api/v1/back-entry/batches?fileName=${encodeURIComponent(fileName)}`, token, {
    method: 'POST',
    headers: { 'content-type': isJson ? 'application/json' : 'text/csv; charset=utf-8', 'idempotency-key': key },
    body: content,
  })
  // Either the service recognised the content, or our own earlier upload's stored answer was replayed.
  const before = uploaded.duplicate === true || headers.get('idempotent-replayed') === 'true'
  console.log(`batch ${uploaded.id}: ${uploaded.total} rows` + (before ? ' (this file was uploaded before: the same batch, nothing applied again)' : ''))

  const interactive = process.stderr.isTTY === true
  const deadline = Date.now() + Number(values.timeout) * 1000
  let progress = uploaded
  let lastLine = ''
  for (;;) {
    progress = await call<Progress>(`${api}/api/v1/back-entry/batches/${uploaded.id}`, token)
    const line = progressLine(progress)
    if (interactive) process.stderr.write(`\r${line}`)
    else if (line !== lastLine) process.stderr.write(`${line}\n`)
    lastLine = line
    if (progress.status === 'done') break
    if (Date.now() > deadline) {
      if (interactive) process.stderr.write('\n')
      console.error(`back-entry-upload: batch ${uploaded.id} not done after ${values.timeout} s; run again to keep watching`)
      process.exit(3)
    }
    await new Promise((r) => setTimeout(r, Number(values.interval)))
  }
  if (interactive) process.stderr.write('\n')

  const c = progress.counts
  console.log(`done: ${c.accepted} accepted, ${c.duplicate} duplicate (already entered), ${c.rejected} rejected`)
  let cursor: string | null = null
  do {
    const query: string = `status=rejected&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const page: ReportPage = await call<ReportPage>(`${api}/api/v1/back-entry/batches/${uploaded.id}/report?${query}`, token)
    for (const row of page.items) {
      const fields = Array.isArray(row.details)
        ? ` [${(row.details as Array<{ field?: string; code?: string }>).map((d) => `${d.field}: ${d.code}`).join('; ')}]`
        : ''
      console.log(`  row ${row.rowNo} (${row.kind}): ${row.code} — ${row.reason}${fields}`)
    }
    cursor = page.nextCursor
  } while (cursor)
}

if (import.meta.main) {
  main().catch((err: Error) => {
    console.error(`back-entry-upload: ${err.message}`)
    process.exit(1)
  })
}
