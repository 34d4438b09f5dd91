// The office codes this node last read from the registry (migrations/008_office_registry.sql): the
// schema keyword `x-registered-office` checks every office code in a request against it, so `99ZZ`
// is refused wherever a code is typed. In memory: the check costs no round trip per request and
// keeps working while the database fails over; a reload every OFFICE_REGISTRY_REFRESH_MS brings an
// imported office to every node.
import type { OfficeValidity } from '../db/office-repository.ts'
import { OFFICE_CODE } from './identifiers.ts'
import { vietnamDay } from './vietnam-time.ts'

export class OfficeRegistry {
  private codes = new Map<string, OfficeValidity>()
  /** When the registry was last read in full (ms since the epoch); 0: never. */
  loadedAt = 0

  replace(offices: OfficeValidity[], now = Date.now()): void {
    this.codes = new Map(offices.map((o) => [o.code, o]))
    this.loadedAt = now
  }

  /**
   * Whether a registered code may be named by a new record on the Vietnamese calendar day of `now`:
   * its valid_from has come and its valid_to has not. Historical codes stay registered (old records
   * keep them) but a new handover, list or declaration may not name them.
   */
  isInUse(code: string, now = new Date().toISOString()): boolean {
    const office = this.codes.get(code)
    if (!office) return false
    const today = vietnamDay(now)
    return office.validFrom <= today && (office.validTo === null || today < office.validTo)
  }

  get loaded(): boolean {
    return this.loadedAt !== 0
  }

  /** Whether the code is registered (in use or historical: old records keep their codes). */
  isRegistered(code: string): boolean {
    return this.codes.has(code)
  }

  get size(): number {
    return this.codes.size
  }

  /**
   * Whether a request's values hold a well-formed office code this node does not know: then the
   * registry is read again before the request is judged, so an office registered a moment ago (on
   * any node, by `npm run offices`) is accepted at once, not after the next timed reload.
   */
  mentionsUnknownCode(value: unknown, depth = 0): boolean {
    if (typeof value === 'string') return OFFICE_CODE.test(value) && !this.codes.has(value)
    if (depth > 8 || value === null || typeof value !== 'object') return false
    const items = Array.isArray(value) ? value : Object.values(value)
    return items.some((item) => this.mentionsUnknownCode(item, depth + 1))
  }
}
