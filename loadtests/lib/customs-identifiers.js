// Valid customs identifiers for the workload (a port of src/services/identifiers.ts: k6 runs plain
// JavaScript and cannot import the service's TypeScript). The API validates every one of them, so
// a wrong port shows at once as 400 INVALID_CONTAINER_NUMBER / INVALID_TAX_CODE in any run.

// ISO 6346 letter values: A=10 upwards, skipping multiples of 11.
const LETTER_VALUES = (() => {
  const values = {}
  let v = 10
  for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
    if (v % 11 === 0) v++
    values[letter] = v
    v++
  }
  return values
})()

export function containerCheckDigit(first10) {
  let sum = 0
  for (let i = 0; i < 10; i++) {
    const ch = first10[i]
    sum += (i < 4 ? LETTER_VALUES[ch] : Number(ch)) * 2 ** i
  }
  return (sum % 11) % 10
}

// Owner codes of carriers that call at Cát Lái and Hải Phòng (category U = freight container).
const OWNERS = ['MSKU', 'CSQU', 'TGHU', 'OOLU', 'HLXU', 'CMAU', 'EGHU', 'TCNU', 'SEGU', 'WHLU']

/** A container number with a valid check digit; `serial` picks the 6-digit serial (0..999999). */
export function containerNumber(serial, ownerIndex = serial) {
  const owner = OWNERS[Math.abs(ownerIndex) % OWNERS.length]
  const body = owner + String(Math.abs(serial) % 1_000_000).padStart(6, '0')
  return body + containerCheckDigit(body)
}

// Vietnamese tax code: 10 digits, the 10th is 10 - (weighted sum mod 11); bases whose digit would
// be 10 or 11 have no valid code and are skipped.
const TAX_WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3]

export function taxCode(seed) {
  for (let n = Math.abs(seed); ; n++) {
    const base = String(100_000_000 + (n % 900_000_000)).slice(0, 9)
    let sum = 0
    for (let i = 0; i < 9; i++) sum += Number(base[i]) * TAX_WEIGHTS[i]
    const check = 10 - (sum % 11)
    if (check <= 9) return base + check
  }
}

/** A 12-digit declaration number; 1… import, 3… export. */
export function declarationNumber(kind, random11) {
  return (kind === 'export' ? '3' : '1') + String(random11).padStart(11, '0').slice(-11)
}

export const randomInt = (max) => Math.floor(Math.random() * max)
export const random11 = () => String(randomInt(1e6)).padStart(6, '0') + String(randomInt(1e5)).padStart(5, '0')
