// The office codes this node last read from the registry (migrations/008_office_registry.sql): the
// schema keyword `x-registered-office` checks every office code in a request against it, so `99ZZ`
// is refused wherever a code is typed. In memory: the check costs no round trip per request and
// keeps working while the database fails over; a reload every OFFICE_REGISTRY_REFRESH_MS brings an
// imported office to every node.
import { OFFICE_CODE } from './identifiers.ts'

export class OfficeRegistry {
  private codes = new Set<string>()
  /** When the registry was last read in full (ms since the epoch); 0: never. */
  loadedAt = 0

  replace(codes: string[], now = Date.now()): void {
    this.codes = new Set(codes)
    this.loadedAt = now
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
