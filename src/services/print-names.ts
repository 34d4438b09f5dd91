// Names on printed forms: offices by their registry name (with the code officers also know) and
// officers by the name recorded for them, so paper shows "Nguyễn Văn An (02CI-001)", not an id.
// A code or id the registry does not know prints as it is rather than failing the print.
import type { Queryable } from '../db/database.ts'
import { officerNames, officesByCode, type OfficeRecord } from '../db/office-repository.ts'

export interface PrintNames {
  offices: Map<string, OfficeRecord>
  officers: Map<string, string>
}

export async function loadPrintNames(q: Queryable, officeCodes: string[], officerIds: string[]): Promise<PrintNames> {
  const [offices, officers] = await Promise.all([
    officesByCode(q, [...new Set(officeCodes)]),
    officerNames(q, [...new Set(officerIds)]),
  ])
  return { offices, officers }
}

export const noNames = (): PrintNames => ({ offices: new Map(), officers: new Map() })

export function officeLabel(names: PrintNames, code: string): string {
  const office = names.offices.get(code)
  return office ? `${office.name} (${code})` : code
}

export function officerLabel(names: PrintNames, id: string | null): string {
  if (!id) return ''
  const name = names.officers.get(id)
  return name ? `${name} (${id})` : id
}

/** The two lines of the agency header, upper case as on an administrative form. */
export function agencyLines(names: PrintNames, code: string): { parent: string | null; office: string } {
  const office = names.offices.get(code)
  return {
    parent: office?.parentName ? office.parentName.toUpperCase() : null,
    office: office ? office.name.toUpperCase() : `HẢI QUAN ${code}`,
  }
}

export const cityOf = (names: PrintNames, code: string): string => names.offices.get(code)?.city ?? code
