// SQL of the eligible list of a declaration (tables gate_declarations, gate_containers, gate_lots).
import type { Queryable } from './database.ts'

export interface GateDeclarationRow {
  declaration_number: string
  office: string
  location_code: string
  trader_name: string
  trader_tax_code: string
  status: string
  declaration_date: string
  procedure_type: string
  channel: number
  goods_management_number: string | null
  content_hash: string
  registered_at: Date
  registered_by: string
  updated_at: Date
  updated_by: string
}

export interface GateContainerRow {
  container_number: string
  carrier_seal: string | null
  customs_seal: string | null
}

/** Numeric columns arrive as strings (exact decimals); the service converts them. */
export interface GateLotRow {
  lot_number: string
  description: string
  quantity: string
  quantity_unit: string
  total_weight: string
  weight_unit: string
  quantity_passed: string
  quantity_remaining: string
  weight_passed: string
}

export interface DeclarationHeader {
  declarationNumber: string
  office: string
  locationCode: string
  traderName: string
  traderTaxCode: string
  status: string
  declarationDate: string
  procedureType: string
  channel: number
  goodsManagementNumber: string | null
  contentHash: string
  at: string
  officerId: string
}

export interface ContainerEntry {
  containerNumber: string
  carrierSeal: string | null
  customsSeal: string | null
}

export interface LotEntry {
  lotNumber: string
  description: string
  quantity: number
  quantityUnit: string
  totalWeight: number
  weightUnit: string
}

// The date column is formatted in SQL: node-postgres would turn it into a local-midnight Date.
const DECLARATION_COLUMNS = `declaration_number, office, location_code, trader_name, trader_tax_code, status,
  to_char(declaration_date, 'YYYY-MM-DD') AS declaration_date, procedure_type, channel, goods_management_number,
  content_hash, registered_at, registered_by, updated_at, updated_by`

const LOT_COLUMNS = `lot_number, description, quantity, quantity_unit, total_weight, weight_unit, quantity_passed,
  quantity - quantity_passed AS quantity_remaining, weight_passed`

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
 * Reads the header, optionally locking it. Confirmations take `share` (they do not block each
 * other), a list change takes `update` (it waits for them and they wait for it), so an entry cannot
 * be removed while it is being confirmed.
 */
export async function findDeclaration(
  q: Queryable,
  declarationNumber: string,
  lock: 'none' | 'share' | 'update' = 'none',
): Promise<GateDeclarationRow | null> {
  const suffix = lock === 'share' ? ' FOR SHARE' : lock === 'update' ? ' FOR UPDATE' : ''
  const { rows } = await q.query<GateDeclarationRow>(
    `SELECT ${DECLARATION_COLUMNS} FROM gate_declarations WHERE declaration_number = $1${suffix}`,
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

export async function containersOf(q: Queryable, declarationNumber: string): Promise<GateContainerRow[]> {
  const { rows } = await q.query<GateContainerRow>(
    `SELECT container_number, carrier_seal, customs_seal FROM gate_containers
      WHERE declaration_number = $1 ORDER BY position`,
    [declarationNumber],
  )
  return rows
}

export async function findContainer(q: Queryable, declarationNumber: string, containerNumber: string): Promise<GateContainerRow | null> {
  const { rows } = await q.query<GateContainerRow>(
    `SELECT container_number, carrier_seal, customs_seal FROM gate_containers
      WHERE declaration_number = $1 AND container_number = $2`,
    [declarationNumber, containerNumber],
  )
  return rows[0] ?? null
}

export async function lotsOf(q: Queryable, declarationNumber: string): Promise<GateLotRow[]> {
  const { rows } = await q.query<GateLotRow>(
    `SELECT ${LOT_COLUMNS} FROM gate_lots WHERE declaration_number = $1 ORDER BY position`,
    [declarationNumber],
  )
  return rows
}

/** Locks the lot: every change to its passed quantity happens under this lock. */
export async function lockLot(q: Queryable, declarationNumber: string, lotNumber: string): Promise<GateLotRow | null> {
  const { rows } = await q.query<GateLotRow>(
    `SELECT ${LOT_COLUMNS} FROM gate_lots WHERE declaration_number = $1 AND lot_number = $2 FOR UPDATE`,
    [declarationNumber, lotNumber],
  )
  return rows[0] ?? null
}

/** Adds a pass to the lot's totals unless it would go beyond the total quantity; null then. */
export async function addPassedToLot(
  q: Queryable,
  declarationNumber: string,
  lotNumber: string,
  quantity: number,
  weight: number | null,
): Promise<GateLotRow | null> {
  const { rows } = await q.query<GateLotRow>(
    `UPDATE gate_lots SET quantity_passed = quantity_passed + $3::numeric,
            weight_passed = weight_passed + coalesce($4::numeric, 0)
      WHERE declaration_number = $1 AND lot_number = $2 AND quantity_passed + $3::numeric <= quantity
      RETURNING ${LOT_COLUMNS}`,
    [declarationNumber, lotNumber, String(quantity), weight === null ? null : String(weight)],
  )
  return rows[0] ?? null
}

/** Gives a cancelled pass's quantity (and weight) back to the lot. */
export async function subtractPassedFromLot(
  q: Queryable,
  declarationNumber: string,
  lotNumber: string,
  quantity: string,
  weight: string | null,
): Promise<void> {
  await q.query(
    `UPDATE gate_lots SET quantity_passed = quantity_passed - $3::numeric,
            weight_passed = greatest(weight_passed - coalesce($4::numeric, 0), 0)
      WHERE declaration_number = $1 AND lot_number = $2`,
    [declarationNumber, lotNumber, quantity, weight],
  )
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
