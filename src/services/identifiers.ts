// Check digits and formats of the customs identifiers (docs/api.md, "Getting started": identifiers as officers type them).
// Pure functions: Ajv formats in app.ts and the services both use them.

export const DECLARATION_NUMBER = /^\d{12}$/
export const OFFICE_CODE = /^[0-9]{2}[A-Z0-9]{2}$/
export const HS_CODE = /^\d{8}$/
export const PROCEDURE_TYPE = /^[A-Z]\d{2}$/

// ISO 6346 letter values: A=10 upwards, skipping multiples of 11 (11, 22, 33).
const LETTER_VALUES: Record<string, number> = (() => {
  const values: Record<string, number> = {}
  let v = 10
  for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
    if (v % 11 === 0) v++
    values[letter] = v
    v++
  }
  return values
})()

export function containerCheckDigit(first10: string): number {
  let sum = 0
  for (let i = 0; i < 10; i++) {
    const ch = first10[i] as string
    const value = i < 4 ? (LETTER_VALUES[ch] ?? NaN) : Number(ch)
    sum += value * 2 ** i
  }
  return (sum % 11) % 10
}

/**
 * A container number as officers type it — lower case, with spaces or a dash before the check
 * digit ("msku 907032-3") — in the one form it is stored and searched in ("MSKU9070323").
 */
export function normalizeContainerNumber(value: string): string {
  return value.replace(/[\s-]+/g, '').toUpperCase()
}

export function isValidContainerNumber(value: string): boolean {
  if (!/^[A-Z]{3}[UJZ]\d{7}$/.test(value)) return false
  return containerCheckDigit(value.slice(0, 10)) === Number(value[10])
}

// Vietnamese tax code (mã số thuế): 10 digits, the 10th a check digit over the first nine with
// these weights (10 - sum mod 11); 13-character form NNNNNNNNNN-NNN for dependent units; and, for
// individuals and household businesses since the personal identification number became their tax
// code (2025), the 12-digit personal identification number (số định danh cá nhân): three digits of
// the province of birth registration (001–096), one of century and sex, two of the birth year, six
// more. It has no check digit; the province prefix is what can be checked.
const TAX_WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3]

export function taxCheckDigit(first9: string): number {
  let sum = 0
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * (TAX_WEIGHTS[i] as number)
  return 10 - (sum % 11)
}

const PERSONAL_ID = /^(\d{3})\d{9}$/

export function isValidTaxCode(value: string): boolean {
  const personal = PERSONAL_ID.exec(value)
  if (personal) {
    const province = Number(personal[1])
    return province >= 1 && province <= 96
  }
  const m = /^(\d{10})(-\d{3})?$/.exec(value)
  if (!m) return false
  const base = m[1] as string
  return taxCheckDigit(base.slice(0, 9)) === Number(base[9])
}

export const isValidDeclarationNumber = (v: string) => DECLARATION_NUMBER.test(v)
export const isValidOfficeCode = (v: string) => OFFICE_CODE.test(v)
export const isValidHsCode = (v: string) => HS_CODE.test(v)
export const isValidProcedureType = (v: string) => PROCEDURE_TYPE.test(v)

/** Normalisations applied before validation (the Ajv keyword `x-normalize`), by name. */
export const identifierNormalizers: Record<string, (value: string) => string> = {
  'container-number': normalizeContainerNumber,
}

/** The Ajv formats, by name; errors.ts maps each name to its stable code. */
export const identifierFormats: Record<string, (value: string) => boolean> = {
  'declaration-number': isValidDeclarationNumber,
  'office-code': isValidOfficeCode,
  'container-number': isValidContainerNumber,
  'tax-code': isValidTaxCode,
  'hs-code': isValidHsCode,
  'procedure-type': isValidProcedureType,
}
