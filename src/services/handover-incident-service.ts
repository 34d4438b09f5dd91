// En-route incidents (sự cố trên đường vận chuyển): a customs seal replaced with a new one, the goods
// transshipped to another vehicle, the vehicle changed. The officer of the office where it happened
// records it — either end of the handover, or any office along the route — while the goods are on
// the road (HANDED_OVER, or OVERDUE: the broken-down truck is often why). The handover takes what
// changed (the container's customs seal, the vehicle) so the destination checks the goods against
// it, and moves to the next version; the incident row keeps what it replaced, the audit trail holds
// it, and both ends are told.
//
// No If-Match: an incident is a fact from the road, like an arrival, not an edit of what was written,
// and the office along the route may have no way to read the version first. What guards it against a
// stale view is in the request itself: a seal replacement names the seal it replaced, which must be
// the seal the container carries now, and the incident carries its own time, so the same incident
// sent again (a retry without a key) is recognised and answered, never recorded twice.
import type { HandoverAggregate, IncidentRecord } from '../domain/handover.ts'
import type { Queryable } from '../db/database.ts'
import { incidentWrite } from '../db/handover-incident-repository.ts'
import type { IncidentInput } from '../schemas/handover-schemas.ts'
import { canonicalJson } from './canonical-json.ts'
import { assertActsFor } from './handover-access.ts'
import { changeHandover, fail, type HandoverOutcome } from './handover-service.ts'
import { illegalTransition, isAllowed } from './handover-state-machine.ts'
import { checkIncidentAgainstHandover, checkIncidentEntries } from './handover-validation.ts'
import { incidentNotices } from './notice-service.ts'
import { backEntryOf, type WriteContext } from './write-context.ts'

/** What identifies an incident as reported: the same report sent twice is one incident. */
type Reported = Omit<IncidentRecord, 'version' | 'recordedBy' | 'recordedAt' | 'previousVehicle'>

/** Compared as canonical JSON: a stored incident's seals come back from jsonb with their keys in another order. */
const reportOf = (r: Reported) =>
  canonicalJson([r.kind, r.office, r.occurredAt, r.place, r.reason, r.note, r.seals, r.vehicle, r.containerNumbers])

export async function recordIncident(q: Queryable, ctx: WriteContext, id: string, input: IncidentInput): Promise<HandoverOutcome> {
  // The request whole first: a bad one is a 400 whoever sends it, then whose office it names.
  fail(checkIncidentEntries(input, ctx.now))
  assertActsFor(ctx.actor, input.office, 'record an incident that happened there')
  const reported: Reported = {
    kind: input.kind,
    office: input.office,
    occurredAt: new Date(input.occurredAt).toISOString(),
    place: input.place,
    reason: input.reason,
    note: input.note ?? null,
    seals: (input.seals ?? []).map((s) => ({ containerNumber: s.containerNumber, oldSeal: s.oldSeal, newSeal: s.newSeal })),
    vehicle: input.vehicle ?? null,
    containerNumbers: input.containerNumbers ?? [],
  }

  return changeHandover(q, ctx, id, backEntryOf(ctx, {}), (h) => {
    // Already recorded (a retry without a key after the first got through): 200, nothing written.
    if (h.incidents.some((i) => reportOf(i) === reportOf(reported))) return { kind: 'unchanged' }
    if (!isAllowed(h.status, 'recordIncident')) throw illegalTransition(h.status, 'recordIncident')
    fail(checkIncidentAgainstHandover({ ...input, occurredAt: reported.occurredAt }, h))

    const version = h.version + 1
    const record: IncidentRecord = {
      ...reported,
      version,
      recordedBy: ctx.actor.officerId,
      recordedAt: ctx.now,
      previousVehicle: reported.vehicle === null ? null : h.vehicle,
    }
    const newSealOf = new Map(record.seals.map((s) => [s.containerNumber, s.newSeal]))
    const after: HandoverAggregate = {
      ...h,
      version,
      vehicle: record.vehicle ?? h.vehicle,
      containers: h.containers.map((c) => ({ ...c, customsSeal: newSealOf.get(c.containerNumber) ?? c.customsSeal })),
      incidents: [...h.incidents, record],
    }
    const sealsOf = (containers: HandoverAggregate['containers']) =>
      containers.filter((c) => newSealOf.has(c.containerNumber)).map((c) => ({ containerNumber: c.containerNumber, customsSeal: c.customsSeal }))
    return {
      kind: 'change',
      action: 'recordIncident',
      after,
      write: (claim, audit, notices) => incidentWrite(claim, { id, fromVersion: h.version, record }, audit, notices),
      audited: {
        before: { version: h.version, vehicle: h.vehicle, ...(newSealOf.size > 0 && { customsSeals: sealsOf(h.containers) }) },
        after: { version, vehicle: after.vehicle, ...(newSealOf.size > 0 && { customsSeals: sealsOf(after.containers) }), incident: record },
      },
      notices: (view) => incidentNotices(view, record),
    }
  })
}
