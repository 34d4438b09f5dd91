// SQL of an en-route incident (migrations/017_handover_incidents.sql): one guarded write
// (write-statement.ts) that moves the handover to its next version only if it is still at the version
// read, sets what the incident changed on it — the vehicle, the replaced containers' customs seals —
// and appends the incident row, which keeps what was there before.
import type { IncidentRecord } from '../domain/handover.ts'
import { guardedWrite, SqlParams, type AuditAppend, type ClaimToStore, type GuardedWrite, type NoticeAppend } from './write-statement.ts'

export interface HandoverIncident {
  id: string
  /** The version the incident was decided on; the write does nothing if the handover moved since. */
  fromVersion: number
  record: IncidentRecord
}

export function incidentWrite(claim: ClaimToStore | null, i: HandoverIncident, audit: AuditAppend, notices: NoticeAppend[]): GuardedWrite {
  const p = new SqlParams()
  const r = i.record
  const sets = ['version = version + 1', 'updated_at = now()']
  if (r.vehicle !== null) sets.push(`vehicle = ${p.add(r.vehicle)}`)
  const ctes = [
    `changed AS (
    UPDATE handovers SET ${sets.join(', ')} FROM claim
     WHERE id = ${p.add(i.id, 'uuid')} AND version = ${p.add(i.fromVersion)}
    RETURNING handovers.id)`,
    `incident AS (
    INSERT INTO handover_incidents (handover_id, version, kind, occurred_at, place, office, recorded_by, recorded_at, reason, note,
      seals, previous_vehicle, vehicle, container_numbers)
    SELECT changed.id, ${p.add(r.version)}, ${p.add(r.kind)}, ${p.add(r.occurredAt, 'timestamptz')}, ${p.add(r.place)}, ${p.add(r.office)},
           ${p.add(r.recordedBy)}, ${p.add(r.recordedAt, 'timestamptz')}, ${p.add(r.reason)}, ${p.add(r.note)},
           ${p.add(JSON.stringify(r.seals), 'jsonb')}, ${p.add(r.previousVehicle)}, ${p.add(r.vehicle)}, ${p.add(r.containerNumbers, 'text[]')}
      FROM changed)`,
  ]
  if (r.seals.length > 0) {
    // The seal the container carries from now on is the new one: the destination checks against it.
    ctes.push(`seals AS (
    UPDATE handover_containers hc SET customs_seal = s.new_seal
      FROM changed, unnest(${p.add(r.seals.map((s) => s.containerNumber), 'text[]')}, ${p.add(r.seals.map((s) => s.oldSeal), 'text[]')},
                           ${p.add(r.seals.map((s) => s.newSeal), 'text[]')}) AS s(number, old_seal, new_seal)
     WHERE hc.handover_id = changed.id AND hc.container_number = s.number AND hc.customs_seal = s.old_seal
    RETURNING 1)`)
  }
  return guardedWrite('handover-incident', p, claim, ctes.join(',\n  '), [audit], notices)
}
