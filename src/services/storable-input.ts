// Values JSON and Ajv let through that PostgreSQL or arithmetic cannot take: a NUL character (text
// columns refuse it: a 500 otherwise) and a non-finite number (`1e400` parses to Infinity, which
// skips minimum/maximum). Checked once for every request so no route can forget.
import type { FieldProblem } from '../domain/errors.ts'

export function unstorableValues(value: unknown, path: string, out: FieldProblem[] = [], depth = 0): FieldProblem[] {
  if (out.length >= 10 || depth > 32) return out
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push({ field: path, code: 'FIELD_FORMAT', message: 'must not contain a NUL character' })
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push({ field: path, code: 'FIELD_TYPE', message: 'must be a finite number' })
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorableValues(v, `${path}.${i}`, out, depth + 1))
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) out.push({ field: path, code: 'FIELD_FORMAT', message: 'a key contains a NUL character' })
      unstorableValues(v, path ? `${path}.${k}` : k, out, depth + 1)
    }
  }
  return out
}
