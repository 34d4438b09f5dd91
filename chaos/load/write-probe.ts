// A small open-loop client for the cluster tests (test/cluster/): every `intervalMs` it sends one
// paper-declaration create (keyed write) and one read of a declaration it created, through HAProxy,
// without waiting for earlier answers — so a stalled cluster shows as slow or failed requests, not as
// fewer requests. It records requests and acknowledged writes in the k6 journal's shapes, so the
// same checker (verify/acknowledged-writes.ts) and metrics apply.
import type { Inventory } from '../../infra/launcher/inventory.ts'
import { clusterRequest } from '../../infra/launcher/tls/cluster-http.ts'
import { HAPROXY_TIMING } from '../../infra/launcher/render/haproxy-config.ts'
import type { AckRecord, RequestRecord } from '../verify/journal.ts'
import type { Officer, OfficerSet } from './officer-tokens.ts'

export interface ProbeOptions {
  /** Whose CA the HTTPS front door is verified against. */
  inv: Inventory
  baseUrl: string
  officers: OfficerSet
  intervalMs?: number
  /** The client's timeout, like the k6 workload's (30 s). */
  timeoutMs?: number
}

export class WriteProbe {
  readonly requests: RequestRecord[] = []
  readonly acks: AckRecord[] = []
  private timer: NodeJS.Timeout | null = null
  private inFlight = new Set<Promise<void>>()
  private seq = 0
  private created: string[] = []
  private readonly officer: Officer
  private readonly opts: Required<ProbeOptions>

  constructor(opts: ProbeOptions) {
    this.opts = { intervalMs: 100, timeoutMs: HAPROXY_TIMING.clientTimeoutS * 1000, ...opts }
    this.officer = opts.officers.departure[0]!
  }

  start(): void {
    this.timer = setInterval(() => {
      this.track(this.write())
      if (this.created.length) this.track(this.read())
    }, this.opts.intervalMs)
  }

  /** Stops sending and waits for every request still in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await Promise.all([...this.inFlight])
  }

  failed(): RequestRecord[] {
    return this.requests.filter((r) => r.status < 200 || r.status >= 300)
  }

  acksSince(at: number): number {
    return this.acks.filter((a) => a.at >= at).length
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p))
  }

  private async send(kind: string, op: 'read' | 'write', method: string, path: string, body?: unknown, key?: string) {
    const start = Date.now()
    let status = 0
    let code: string | null = null
    let error: string | null = null
    let json: Record<string, unknown> | null = null
    try {
      const res = await clusterRequest(this.opts.inv, this.opts.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.officer.token}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.opts.timeoutMs,
      })
      status = res.status
      try {
        json = JSON.parse(res.text) as Record<string, unknown>
      } catch {
        json = null
      }
      if (status >= 400) code = typeof json?.code === 'string' ? json.code : null
    } catch (err) {
      const e = err as { name?: string; code?: string; message?: string }
      error = e.name === 'TimeoutError' ? 'request timeout' : (e.code ?? e.message ?? String(err))
    }
    const end = Date.now()
    this.requests.push({ kind, op, start, end, ms: end - start, status, code, error })
    return { status, json }
  }

  private async write(): Promise<void> {
    const n = ++this.seq
    const key = `${this.opts.officers.runId}-probe-${n}`
    const now = Date.now()
    const body = {
      office: this.officer.office,
      receiptYear: new Date(now + 7 * 3600_000).getUTCFullYear(),
      receiptNumber: n,
      formType: 'import',
      declarantName: 'Công ty TNHH Kiểm thử',
      taxCode: '0100109106',
      procedureType: 'A11',
      channel: 1,
      registeredAt: new Date(now).toISOString(),
      goodsLines: [{ hsCode: '85171300', description: 'Điện thoại', quantity: 1, unit: 'PCE', value: 100, currency: 'USD', originCountry: 'VN' }],
    }
    const { status, json } = await this.send('declaration.create', 'write', 'POST', '/api/v1/paper-declarations', body, key)
    if (status >= 200 && status < 300 && typeof json?.id === 'string') {
      this.acks.push({ kind: 'declaration.create', caller: this.officer.id, key, id: json.id, at: Date.now(), expect: { version: json.version } })
      this.created.push(json.id)
    }
  }

  private async read(): Promise<void> {
    const id = this.created[Math.floor(Math.random() * this.created.length)]!
    await this.send('declaration.get', 'read', 'GET', `/api/v1/paper-declarations/${id}`)
  }
}
