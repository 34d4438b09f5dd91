// SQL of the eligible list of a declaration (tables gate_declarations, gate_containers, gate_lots).
// Records come back in the app's naming (aliases; numbers as numbers, times as ISO text).
import type { GateContainerRecord, GateDeclarationRecord, GateLotRecord } from '../domain/gate.ts'
import type { Queryable } from './database.ts'
import { isoOf } from './write-statement.ts'

/** The header of a list as registered or replaced: the record's own fields, with when and by whom. */
export type DeclarationHeader = Omit<GateDeclarationRecord, 'registeredAt' | 'registeredBy' | 'updatedAt' | 'updatedBy'> & {
  at: string
  officerId: string
}

export type ContainerEntry = GateContainerRecord

/** A lot as a list names it (its running totals are the gate's). */
export type LotEntry = Pick<GateLotRecord, 'lotNumber' | 'description' | 'quantity' | 'quantityUnit' | 'totalWeight' | 'weightUnit'>

// The date column is formatted in SQL: node-postgres would turn it into a local-midnight Date.
export const DECLARATION_RECORD = `d.declaration_number AS "declarationNumber", d.office, d.location_code AS "locationCode",
  d.trader_name AS "traderName", d.trader_tax_code AS "traderTaxCode", d.status,
  to_char(d.declaration_date, 'YYYY-MM-DD') AS "declarationDate", d.procedure_type AS "procedureType", d.channel,
  d.goods_management_number AS "goodsManagementNumber", d.content_hash AS "contentHash",
  ${isoOf('d.registered_at')} AS "registeredAt", d.registered_by AS "registeredBy",
  ${isoOf('d.updated_at')} AS "updatedAt", d.updated_by AS "updatedBy"`

export const CONTAINER_RECORD = `g.container_number AS "containerNumber", g.carrier_seal AS "carrierSeal", g.customs_seal AS "customsSeal"`

export const LOT_RECORD = `l.lot_number AS "lotNumber", l.description, l.quantity::float8 AS quantity, l.quantity_unit AS "quantityUnit",
  l.total_weight::float8 AS "totalWeight", l.weight_unit AS "weightUnit", l.quantity_passed::float8 AS "quantityPassed",
  (l.quantity - l.quantity_passed)::float8 AS "quantityRemaining", l.weight_passed::float8 AS "weightPassed"`

/** Inserts the header unless the declaration is already registered; true when inserted. */
export async function insertDeclarationIfAbsent(q: Queryable, h: DeclarationHeader): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO gate_declarations (declaration_number, office, location_code, trader_name, trader_tax_code, status,
       declaration_date, procedure_type, channel, goods_management_number, content_hash,
       registered_at, registered_by, updated_at, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $13)
     ON CONFLICT (declaration_number) DO NOTHING`,
    [
      h.declarationNumber, h.office, h.locationCode, h.traderName, h.traderTaxCode, h.status,
      h.declarationDate, h.procedureType, h.channel, h.goodsManagementNumber, h.contentHash, h.at, h.officerId,
    ],
  )
  return rowCount === 1
}

export async function updateDeclarationHeader(q: Queryable, h: DeclarationHeader): Promise<void> {
  await q.query(
    `UPDATE gate_declarations SET office = $2, location_code = $3, trader_name = $4, trader_tax_code = $5, status = $6,
       declaration_date = $7, procedure_type = $8, channel = $9, goods_management_number = $10, content_hash = $11,
       updated_at = $12, updated_by = $13
     WHERE declaration_number = $1`,
    [
      h.declarationNumber, h.office, h.locationCode, h.traderName, h.traderTaxCode, h.status,
      h.declarationDate, h.procedureType, h.channel, h.goodsManagementNumber, h.contentHash, h.at, h.officerId,
    ],
  )
}

/**
 * Reads the header, optionally locked FOR UPDATE: a list change waits for confirmations in flight
 * (they hold the header FOR SHARE in their write, gate-confirmation-repository.ts) and they wait for it,
 * so an entry cannot be removed while it is being confirmed.
 */
export async function findDeclaration(q: Queryable, declarationNumber: string, forUpdate = false): Promise<GateDeclarationRecord | null> {
  const { rows } = await q.query<GateDeclarationRecord>(
    `SELECT ${DECLARATION_RECORD} FROM gate_declarations d WHERE d.declaration_number = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [declarationNumber],
  )
  return rows[0] ?? null
}

/** Declarations whose eligible list names the container, newest declaration first (office: null = any). */
export async function declarationsListingContainer(q: Queryable, containerNumber: string, office: string | null, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ declaration_number: string }>({
    name: 'gate-declarations-listing-container',
    text: `SELECT d.declaration_number FROM gate_containers c JOIN gate_declarations d USING (declaration_number)
      WHERE c.container_number = $1 AND ($2::text IS NULL OR d.office = $2)
      ORDER BY d.declaration_date DESC, d.declaration_number LIMIT $3`,
    values: [containerNumber, office, limit],
  })
  return rows.map((r) => r.declaration_number)
}

export async function containersOf(q: Queryable, declarationNumber: string): Promise<GateContainerRecord[]> {
  const { rows } = await q.query<GateContainerRecord>(
    `SELECT ${CONTAINER_RECORD} FROM gate_containers g WHERE g.declaration_number = $1 ORDER BY g.position`,
    [declarationNumber],
  )
  return rows
}

export async function lotsOf(q: Queryable, declarationNumber: string): Promise<GateLotRecord[]> {
  const { rows } = await q.query<GateLotRecord>(
    `SELECT ${LOT_RECORD} FROM gate_lots l WHERE l.declaration_number = $1 ORDER BY l.position`,
    [declarationNumber],
  )
  return rows
}

/**
 * Replaces the entries of a list. Entries in `keepContainers` / lots with a passed quantity stay
 * (the service has checked that the new list carries them unchanged); the rest are rewritten.
 */
export async function replaceEntries(
  q: Queryable,
  declarationNumber: string,
  containers: ContainerEntry[],
  lots: LotEntry[],
  keepContainers: string[],
): Promise<void> {
  await q.query(
    `DELETE FROM gate_containers WHERE declaration_number = $1 AND NOT (container_number = ANY($2::text[]))`,
    [declarationNumber, keepContainers],
  )
  await q.query(`DELETE FROM gate_lots WHERE declaration_number = $1 AND quantity_passed = 0`, [declarationNumber])
  await insertEntries(q, declarationNumber, containers, lots)
}

export async function insertEntries(
  q: Queryable,
  declarationNumber: string,
  containers: ContainerEntry[],
  lots: LotEntry[],
): Promise<void> {
  if (containers.length > 0) {
    await q.query(
      `INSERT INTO gate_containers (declaration_number, container_number, position, carrier_seal, customs_seal)
       SELECT $1, c, p, cs, us FROM unnest($2::text[], $3::int[], $4::text[], $5::text[]) AS t(c, p, cs, us)
       ON CONFLICT (declaration_number, container_number) DO UPDATE
         SET position = EXCLUDED.position, carrier_seal = EXCLUDED.carrier_seal, customs_seal = EXCLUDED.customs_seal`,
      [
        declarationNumber,
        containers.map((c) => c.containerNumber),
        containers.map((_, i) => i),
        containers.map((c) => c.carrierSeal),
        containers.map((c) => c.customsSeal),
      ],
    )
  }
  if (lots.length > 0) {
    await q.query(
      `INSERT INTO gate_lots (declaration_number, lot_number, position, description, quantity, quantity_unit, total_weight, weight_unit)
       SELECT $1, l, p, d, qn, qu, tw, wu
         FROM unnest($2::text[], $3::int[], $4::text[], $5::numeric[], $6::text[], $7::numeric[], $8::text[])
           AS t(l, p, d, qn, qu, tw, wu)
       ON CONFLICT (declaration_number, lot_number) DO UPDATE
         SET position = EXCLUDED.position, description = EXCLUDED.description, quantity = EXCLUDED.quantity,
             quantity_unit = EXCLUDED.quantity_unit, total_weight = EXCLUDED.total_weight, weight_unit = EXCLUDED.weight_unit`,
      [
        declarationNumber,
        lots.map((l) => l.lotNumber),
        lots.map((_, i) => i),
        lots.map((l) => l.description),
        lots.map((l) => String(l.quantity)),
        lots.map((l) => l.quantityUnit),
        lots.map((l) => String(l.totalWeight)),
        lots.map((l) => l.weightUnit),
      ],
    )
  }
}
