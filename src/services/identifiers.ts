// Check digits and formats of the customs identifiers (docs/api.md, "Getting started": identifiers as officers type them).
// Pure functions: Ajv formats in app.ts and the services both use them.

import { CONTAINER_SEPARATORS, identifierPatterns } from '../domain/identifier-patterns.ts'

const DECLARATION_NUMBER = new RegExp(identifierPatterns['declaration-number'])
export const OFFICE_CODE = new RegExp(identifierPatterns['office-code'])
const HS_CODE = new RegExp(identifierPatterns['hs-code'])
const PROCEDURE_TYPE = new RegExp(identifierPatterns['procedure-type'])
const CONTAINER_SHAPE = /^[A-Z]{3}[UJZ][0-9]{7}$/
const TAX_CODE_SHAPE = new RegExp(identifierPatterns['tax-code'])

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
  // ASCII letters only: 'ı'.toUpperCase() is 'I', which would let a value the pattern refuses through.
  return value.replace(SEPARATOR_RUN, '').replace(/[a-z]/g, (c) => c.toUpperCase())
}
const SEPARATOR_RUN = new RegExp(`[${CONTAINER_SEPARATORS}]+`, 'g')

export function isValidContainerNumber(value: string): boolean {
  if (!CONTAINER_SHAPE.test(value)) return false
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

const PERSONAL_ID = /^([0-9]{3})[0-9]{9}$/

export function isValidTaxCode(value: string): boolean {
  if (!TAX_CODE_SHAPE.test(value)) return false
  const personal = PERSONAL_ID.exec(value)
  if (personal) {
    const province = Number(personal[1])
    return province >= 1 && province <= 96
  }
  const m = /^([0-9]{10})(-[0-9]{3})?$/.exec(value)
  if (!m) return false
  const base = m[1] as string
  return taxCheckDigit(base.slice(0, 9)) === Number(base[9])
}

const isValidDeclarationNumber = (v: string) => DECLARATION_NUMBER.test(v)
export const isValidOfficeCode = (v: string) => OFFICE_CODE.test(v)
const isValidHsCode = (v: string) => HS_CODE.test(v)
const isValidProcedureType = (v: string) => PROCEDURE_TYPE.test(v)

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
