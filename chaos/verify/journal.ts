// Reads the k6 journal (loadtests/lib/write-journal.js): one JSON object a line. A line cut short
// by a k6 that was killed is skipped and counted, never guessed at.
import { readFileSync } from 'node:fs'

export interface RequestRecord {
  kind: string
  op: 'read' | 'write'
  /** Wall-clock ms when the request was sent, and when its answer (or error) came. */
  start: number
  end: number
  ms: number
  status: number
  code: string | null
  error: string | null
  /**
   * Every attempt but the deciding one, when the officer's client sent the request more than once
   * (silence, 409 IDEMPOTENCY_KEY_IN_USE or a transport error: loadtests/lib/officer-api.js); start,
   * end and ms then cover every attempt, as the officer waited.
   */
  resent?: Attempt[]
  /** What the first attempt got when there were several (it may be the deciding one, only slow). */
  first?: Attempt | null
  /** A write's Idempotency-Key: ties a late answer to its request and to its ack line. */
  key?: string
}

export interface Attempt {
  status: number
  code: string | null
  error: string | null
  ms: number
  /** The first attempt's own answer decided: it was only slow, and the others were sent meanwhile. */
  decided?: boolean
}

export interface AckRecord {
  kind: string
  caller: string
  key: string
  id: string
  at: number
  expect: Record<string, unknown>
}

export interface Journal {
  requests: RequestRecord[]
  acks: AckRecord[]
  /**
   * Answers of attempts still open when their request was decided, each as a record of its own
   * (start: when that attempt was sent; no resent/first).
   */
  late: RequestRecord[]
  /** Lines that were not JSON (a torn last line, a k6 warning that slipped in). */
  unreadable: number
}

export function parseJournal(text: string): Journal {
  const journal: Journal = { requests: [], acks: [], late: [], unreadable: 0 }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    let entry: Record<string, unknown>
    try {
      entry = JSON.parse(line)
    } catch {
      journal.unreadable++
      continue
    }
    if (entry.t === 'req') journal.requests.push(entry as unknown as RequestRecord)
    else if (entry.t === 'ack') journal.acks.push(entry as unknown as AckRecord)
    else if (entry.t === 'late') journal.late.push(entry as unknown as RequestRecord)
    else journal.unreadable++
  }
  journal.requests.sort((a, b) => a.start - b.start)
  return journal
}

export function readJournal(file: string): Journal {
  try {
    return parseJournal(readFileSync(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { requests: [], acks: [], late: [], unreadable: 0 }
    throw err
  }
}

/** A request failed unless it got a 2xx answer. */
export const succeeded = (r: RequestRecord) => r.status >= 200 && r.status < 300
