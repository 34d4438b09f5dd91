// The disabled officers as this node last read them: checked on every request, remembered tokens
// included, so `npm run officer -- --disable ID` reaches a node within one refresh. In memory: the
// check must cost no database round trip per request, and keep working while the database fails over.
import type { OfficerRevocation } from '../db/officer-repository.ts'
import type { RevocationCheck } from './jwt-service.ts'

export class OfficerRevocationList implements RevocationCheck {
  private byOfficer = new Map<string, OfficerRevocation>()
  /** When the list was last read in full (ms since the epoch); 0: never. */
  loadedAt = 0

  replace(rows: OfficerRevocation[], now = Date.now()): void {
    this.byOfficer = new Map(rows.map((r) => [r.officerId, r]))
    this.loadedAt = now
  }

  isRevoked(officerId: string, issuedAtSeconds: number): boolean {
    const entry = this.byOfficer.get(officerId)
    if (entry === undefined) return false
    return entry.disabled || issuedAtSeconds <= entry.revokedBeforeSeconds
  }

  get size(): number {
    return this.byOfficer.size
  }
}
