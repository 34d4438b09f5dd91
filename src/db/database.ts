// The one executor every repository runs through. It owns the failover behaviour of the service:
// writes ride through a primary failover (wait, bounded by a deadline, then retry) instead of
// failing, and reads prefer a replica so they do not stall while there is no primary.
//
// Two ways to write: `query` runs one statement on the primary in its own implicit transaction (a
// write of the hot paths is two of them, see write-statement.ts), `write` runs a function in an
// explicit transaction (rare, multi-step writes and background jobs).
import { createHash } from 'node:crypto'
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg'
import { AsyncLocalStorage } from 'node:async_hooks'
import { DomainError, databaseUnavailable } from '../domain/errors.ts'
import { isFailoverError, isRetryableTransactionError } from './failover-errors.ts'

/**
 * A statement PostgreSQL parses and plans once per connection (pg sends Parse with this name the
 * first time a connection runs it, then only Bind/Execute). Only for fixed statements looked up by
 * key: a statement with optional filters (`$2 IS NULL OR …`) would get one generic plan for every
 * combination of filters.
 */
export interface PreparedStatement {
  name: string
  text: string
  values: unknown[]
}

/**
 * A PreparedStatement named after its text, for SQL assembled from a fixed set of shapes: each shape
 * gets its own name (and plan). Use it only for shapes led by a selective key (a container number,
 * a declaration number), where a generic plan is the custom plan.
 */
export function preparedShape(prefix: string, text: string, values: unknown[]): PreparedStatement {
  return { name: `${prefix}-${createHash('sha1').update(text).digest('hex').slice(0, 16)}`, text, values }
}

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string | PreparedStatement, values?: unknown[]): Promise<QueryResult<R>>
}

export interface DatabaseEvents {
  /** A failover-class error was met; the work will be retried. */
  /** `late`: a read's attempt hung (READ_HUNG_MS), and its window is stretched to READ_LATE_ATTEMPT_BEFORE_MS. */
  onRetry?: (kind: 'read' | 'write', err: unknown, attempt: number, late?: boolean) => void
  /** A write gave up at its deadline. */
  onGiveUp?: (err: unknown) => void
  /** An error on an idle or checked-out connection (logged, never fatal). */
  onConnectionError?: (err: unknown) => void
}

export interface WriteOptions {
  /**
   * True when running the work again after an unknown COMMIT outcome cannot double its effect
   * (it checks an idempotency key or a natural key first). A failure before COMMIT was sent is
   * always retried: the server rolled it back.
   */
  idempotent: boolean
  deadlineMs?: number
}

/**
 * Thrown by a write's work to ask for another attempt after a pause (within the deadline), e.g. when
 * the previous attempt of the same request still holds a lock on the server.
 */
export class RetryWriteLater extends Error {}

class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('The connection was lost while COMMIT was in flight; the outcome is unknown', { cause })
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A checkout now would wait in the pool's queue: every client is in use and no new one may be made. */
const poolIsFull = (pool: Pool) => pool.idleCount === 0 && pool.totalCount >= (pool.options.max as number)

// After a failover-class error from the primary, fresh reads go to a replica for this long instead of
// each waiting out a connect timeout against a primary that is gone; any primary success ends it.
const PRIMARY_SUSPECT_MS = 3000

// A read that meets a failover-class error on both the replica and the primary (sessions cut while
// HAProxy moves a node between its backends) is asked again for this long: under HAProxy's 3 s wait
// for a GET, after which it would ask another app node (HAPROXY_TIMING.readServerTimeoutS).
const READ_RETRY_MS = 2000

/**
 * A read attempt that hung this long before its failover-class error was caught on a node that went
 * silent (power loss, freeze) until HAProxy marked the node down and cut its sessions, 2–3 s later.
 * Its failure says nothing about the nodes it never asked, so the read's window is stretched for it
 * (READ_LATE_ATTEMPT_BEFORE_MS). The second-failure drill of 2026-12-06 (run 20261206T174949Z)
 * answered two searches 503 at 2.3 and 2.7 s that way, while the synchronous standby was up and
 * would have answered at once. A wait for a free slot of a full pool also ends in a timeout: that is
 * load, not a silent node, and stretches nothing.
 */
const READ_HUNG_MS = 1000

/**
 * After a hung attempt, attempts may start until this long after the read began: under HAProxy's 3 s
 * wait for a GET (HAPROXY_TIMING.readServerTimeoutS; test/unit/request-budget.test.ts), so that when
 * one hangs too, HAProxy asks another app node. (The request's work before the read also counts
 * against those 3 s; past them HAProxy asks another node anyway, which for a read is harmless.)
 */
export const READ_LATE_ATTEMPT_BEFORE_MS = 2800

/**
 * The pause before an attempt after a hung one. HAProxy cut every session to the lost node at once:
 * the pool's other idle clients to it are closed too, and drop out of the pool once their sockets'
 * close is handled, a moment later. Without the pause the attempt could take one of them.
 */
const AFTER_HUNG_PAUSE_MS = 20

const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect'

// At most this long between attempts of a write held through a failover: it goes through within
// half a second of the new primary taking writes, well inside its hold.
const MAX_WRITE_BACKOFF_MS = 500

/**
 * Guarded write statements (write-statement.ts) answer `key_held = false` when their idempotency key
 * is held by another transaction. After a resend that transaction is usually this request's own
 * earlier attempt, whose COMMIT still waits on the server for the synchronous standby; so it is when
 * the statement saw the holder waiting for them, or behind a transaction that does
 * (`key_awaits_standby`), whichever attempt of the request (a client's own resend through another
 * node included) holds the key.
 */
interface KeyHeldRow {
  key_held?: unknown
  key_awaits_standby?: unknown
}

/**
 * The moment a write request must be answered by: its arrival plus the write hold. Every statement of
 * the request (the read, then the guarded write; a retry after a conflict) shares this one hold, so
 * the app answers before HAProxy's write timeout (hold + 1 s) hands the request to another node —
 * where its Idempotency-Key would still be held by this attempt.
 */
const requestHold = new AsyncLocalStorage<number>()

/** Runs `fn` (a request's remaining hooks and handler) with every write statement bound by `deadlineAt`. */
export function withinRequestHold(deadlineAt: number, fn: () => void): void {
  requestHold.run(deadlineAt, fn)
}

/** The hold of the request this code runs for, if it runs inside one. */
export function currentRequestHold(): number | undefined {
  return requestHold.getStore()
}

export class Database implements Queryable {
  readonly primary: Pool
  readonly replica: Pool | null
  private readonly writeDeadlineMs: number
  private readonly events: DatabaseEvents
  private primarySuspectUntil = 0

  constructor(primary: Pool, replica: Pool | null, writeDeadlineMs: number, events: DatabaseEvents = {}) {
    this.primary = primary
    this.replica = replica
    this.writeDeadlineMs = writeDeadlineMs
    this.events = events
    // An idle pooled client that errors emits on the pool; without a listener Node exits (pg#2386).
    primary.on('error', (err) => this.events.onConnectionError?.(err))
    replica?.on('error', (err) => this.events.onConnectionError?.(err))
  }

  /**
   * One statement on the primary, in its own implicit transaction, resent through a failover until
   * the write deadline. Only for statements that are safe to run twice: reads, and writes guarded by
   * an idempotency claim, a version or a natural key (write-statement.ts) — a resend after a lost
   * COMMIT then finds the first attempt's effect instead of doubling it.
   */
  async query<R extends QueryResultRow = QueryResultRow>(text: string | PreparedStatement, values?: unknown[]): Promise<QueryResult<R>> {
    return this.withinHold(this.writeDeadlineMs, (deadline) => this.queryAttempts<R>(text, values, deadline))
  }

  private async queryAttempts<R extends QueryResultRow>(text: string | PreparedStatement, values: unknown[] | undefined, deadline: number): Promise<QueryResult<R>> {
    // Resent after a failover-class error, or the key's holder seen waiting for the standbys: an
    // in-use key is then waited out within the hold, not answered 409.
    let retryWhileHeld = false
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.withClient(this.primary, (client) =>
          typeof text === 'string' ? client.query<R>(text, values) : client.query<R>(text),
        )
        this.primarySuspectUntil = 0
        const keyRow = result.rows[0] as KeyHeldRow | undefined
        // Once seen waiting for the standbys, the holder is treated so to the end: between two
        // looks it may be past its wait but not yet have released the key.
        if (keyRow?.key_awaits_standby === true) retryWhileHeld = true
        if (keyRow?.key_held === false && retryWhileHeld) {
          throw new RetryWriteLater('idempotency key held by an earlier attempt or by a COMMIT waiting for the standbys')
        }
        return result
      } catch (err) {
        if (isFailoverError(err)) {
          this.primarySuspectUntil = Date.now() + PRIMARY_SUSPECT_MS
          retryWhileHeld = true
        }
        const retryable = isFailoverError(err) || isRetryableTransactionError(err) || err instanceof RetryWriteLater
        if (!retryable) throw err
        if (Date.now() + 250 >= deadline) {
          this.events.onGiveUp?.(err)
          throw databaseUnavailable(5)
        }
        this.events.onRetry?.('write', err, attempt)
        await sleep(Math.min(250 * attempt, MAX_WRITE_BACKOFF_MS, Math.max(0, deadline - Date.now())))
      }
    }
  }

  /** Runs fn in one transaction on the primary, retrying through a failover until the deadline. */
  async write<T>(fn: (tx: Queryable, attempt: number) => Promise<T>, options: WriteOptions): Promise<T> {
    return this.withinHold(options.deadlineMs ?? this.writeDeadlineMs, (deadline) => this.writeAttempts(fn, options, deadline))
  }

  /**
   * The write hold, kept to the millisecond: HAProxy and the client wait for exactly this hold plus
   * a margin, so an attempt still running then (a COMMIT waiting for a standby that cannot answer) is
   * left to finish on its own and the client gets 503 DATABASE_UNAVAILABLE; a retry with the same
   * Idempotency-Key finds its result if it did commit.
   */
  private async withinHold<T>(statementHoldMs: number, attempts: (deadline: number) => Promise<T>): Promise<T> {
    const requestDeadline = currentRequestHold()
    const holdMs = requestDeadline === undefined ? statementHoldMs : Math.min(statementHoldMs, requestDeadline - Date.now())
    if (holdMs <= 0) {
      this.events.onGiveUp?.(new Error('the request\'s write hold is spent'))
      throw databaseUnavailable(5)
    }
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.events.onGiveUp?.(new Error(`write still running after its ${holdMs} ms hold`))
        reject(databaseUnavailable(5))
      }, holdMs)
    })
    const running = attempts(Date.now() + holdMs)
    // Settled after the deadline, nobody waits for it any more.
    running.catch(() => undefined)
    try {
      return await Promise.race([running, expired])
    } finally {
      clearTimeout(timer)
    }
  }

  private async writeAttempts<T>(fn: (tx: Queryable, attempt: number) => Promise<T>, options: WriteOptions, deadline: number): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let commitSent = false
      try {
        const result = await this.withClient(this.primary, async (client) => {
          await client.query('BEGIN')
          let result: T
          try {
            result = await fn(client, attempt)
          } catch (err) {
            if (!isFailoverError(err)) await client.query('ROLLBACK').catch(() => undefined)
            throw err
          }
          commitSent = true
          await client.query('COMMIT')
          return result
        })
        this.primarySuspectUntil = 0
        return result
      } catch (err) {
        if (isFailoverError(err)) this.primarySuspectUntil = Date.now() + PRIMARY_SUSPECT_MS
        const retryable = isFailoverError(err) || isRetryableTransactionError(err) || err instanceof RetryWriteLater
        if (!retryable) throw err
        if (commitSent && isFailoverError(err) && !options.idempotent) throw new CommitOutcomeUnknownError(err)
        if (Date.now() + 250 >= deadline) {
          this.events.onGiveUp?.(err)
          throw databaseUnavailable(5)
        }
        this.events.onRetry?.('write', err, attempt)
        await sleep(Math.min(250 * attempt, MAX_WRITE_BACKOFF_MS, Math.max(0, deadline - Date.now())))
      }
    }
  }

  /** A read that must see the latest commit: the primary, and a replica only when there is no primary. */
  async readFresh<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.retryRead(() => this.readFreshOnce(fn))
  }

  /** A read that may be slightly stale (lists, searches): a replica first, the primary if none answers. */
  async read<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.retryRead((laterAttemptPossible) => this.readOnce(fn, laterAttemptPossible))
  }

  /**
   * Runs `attempt` until it succeeds or no attempt may start any more. `attempt` is told whether a
   * later one could still start (readOnce then need not queue for the primary's pool).
   */
  private async retryRead<T>(attempt: (laterAttemptPossible: () => boolean) => Promise<T>): Promise<T> {
    const started = Date.now()
    /** The attempt that hung, once one has. */
    let hungAttempt = 0
    // Before a hang, the next attempt must start 200 ms before READ_RETRY_MS ends; after one, it may
    // start up to READ_LATE_ATTEMPT_BEFORE_MS, after the short pause.
    const lastStart = () => (hungAttempt > 0 ? started + READ_LATE_ATTEMPT_BEFORE_MS : started + READ_RETRY_MS)
    const margin = () => (hungAttempt > 0 ? AFTER_HUNG_PAUSE_MS : 200)
    const laterAttemptPossible = () => Date.now() + margin() < lastStart()
    for (let n = 1; ; n++) {
      const attemptStarted = Date.now()
      try {
        return await attempt(laterAttemptPossible)
      } catch (err) {
        if (!isFailoverError(err)) throw err
        const now = Date.now()
        const stretches = hungAttempt === 0 && now - attemptStarted >= READ_HUNG_MS && !String((err as Error).message).includes(POOL_WAIT_TIMEOUT)
        if (stretches) hungAttempt = n
        if (now + margin() >= lastStart()) throw err
        const pause = hungAttempt === 0 ? 100 * n : n === hungAttempt ? AFTER_HUNG_PAUSE_MS : 100 * (n - hungAttempt)
        this.events.onRetry?.('read', err, n, stretches)
        await sleep(Math.min(pause, lastStart() - now))
      }
    }
  }

  private async readFreshOnce<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    if (this.replica && Date.now() < this.primarySuspectUntil) return this.onReplicaConfirmed(fn, null)
    try {
      const result = await this.withClient(this.primary, fn)
      this.primarySuspectUntil = 0
      return result
    } catch (err) {
      if (!this.replica || !isFailoverError(err)) throw err
      this.primarySuspectUntil = Date.now() + PRIMARY_SUSPECT_MS
      this.events.onRetry?.('read', err, 1)
      return this.onReplicaConfirmed(fn, err)
    }
  }

  /**
   * A fresh read a replica serves while the primary is suspect. The replica route includes the
   * asynchronous replica, which may not have a record the primary just acknowledged: its "not found"
   * is no answer (the primary-replica-partition drill saw five false 404s for records created a
   * second earlier). It is asked of the primary once more — unless the primary failed this very
   * request a moment ago: then that failure stands, and retryRead tries again. A primary that cannot
   * answer leaves a failover error, which retryRead retries and errors.ts answers as a read's 503:
   * never a 404 for a record that exists.
   */
  private async onReplicaConfirmed<T>(fn: (q: Queryable) => Promise<T>, primaryFailure: unknown): Promise<T> {
    try {
      return await this.withClient(this.replica!, fn)
    } catch (err) {
      if (!(err instanceof DomainError) || err.kind !== 'not_found') throw err
      if (primaryFailure !== null) throw primaryFailure
      const result = await this.withClient(this.primary, fn)
      this.primarySuspectUntil = 0
      return result
    }
  }

  private async readOnce<T>(fn: (q: Queryable) => Promise<T>, laterAttemptPossible: () => boolean): Promise<T> {
    if (!this.replica) return this.withClient(this.primary, fn)
    try {
      return await this.withClient(this.replica, fn)
    } catch (err) {
      if (!isFailoverError(err)) throw err
      // No slot free in the primary's pool: during a failover it is full of writes held for a
      // synchronous standby, for up to their whole hold, and this read would queue behind them until
      // the connect timeout (2 s), while the replica route is usually back within a moment. So while
      // a later attempt can still start, retryRead asks the replica route again instead; the last
      // attempt queues for the primary, as a full pool of fast queries frees a slot in milliseconds.
      // (second-failure, run 20261206T202559Z: the replica route had no server for 160 ms, and two
      // searches queued for the primary's pool answered 503 at 2 s.)
      if (poolIsFull(this.primary) && laterAttemptPossible()) throw err
      this.events.onRetry?.('read', err, 1)
      return this.withClient(this.primary, fn)
    }
  }

  private async withClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    // A checked-out client has no pool listener; its socket error would crash the process (pg#3202).
    const onError = (err: unknown) => this.events.onConnectionError?.(err)
    client.on('error', onError)
    let broken: unknown = undefined
    try {
      return await fn(client)
    } catch (err) {
      // A failover-class error leaves the connection unusable (or pointed at a demoted primary,
      // or with a hung query after query_timeout): destroy it instead of returning it to the pool.
      if (isFailoverError(err)) broken = err
      throw err
    } finally {
      client.removeListener('error', onError)
      client.release(broken ? (broken as Error) : undefined)
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.primary.end(), this.replica?.end()])
  }
}

/**
 * Runs fn in a transaction: a new one on the primary when q is the Database, or the caller's when q
 * is already a transaction (a back-entry row applies its record and its own status together).
 */
export function inTransaction<T>(q: Queryable, fn: (tx: Queryable, attempt: number) => Promise<T>, options: WriteOptions): Promise<T> {
  return q instanceof Database ? q.write(fn, options) : fn(q, 1)
}
