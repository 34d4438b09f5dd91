// Refusals of the domain: a stable code, a kind (what sort of refusal it is) and a message a person
// can act on. No HTTP here: routes/write-door.ts and errors.ts map a kind to a status.
export interface FieldProblem {
  field: string
  code: string
  message?: string
}

export type RefusalKind =
  | 'invalid'
  /** Who asks is not established (an expired link, no valid credentials). */
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'unprocessable'
  | 'unavailable'

export class DomainError extends Error {
  readonly kind: RefusalKind
  readonly code: string
  readonly details?: unknown
  constructor(kind: RefusalKind, code: string, message: string, details?: unknown) {
    super(message)
    this.name = 'DomainError'
    this.kind = kind
    this.code = code
    this.details = details
  }
}

export const invalid = (problems: FieldProblem[], message = 'The request has invalid fields') =>
  new DomainError('invalid', 'VALIDATION_FAILED', message, problems)
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message)
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message)
export const conflict = (code: string, message: string, details?: unknown) => new DomainError('conflict', code, message, details)
/** The caller's view of a record is out of date (a version they sent no longer holds). */
export const preconditionFailed = (code: string, message: string, details?: unknown) =>
  new DomainError('precondition_failed', code, message, details)
export const unprocessable = (code: string, message: string, details?: unknown) => new DomainError('unprocessable', code, message, details)

/** The database stayed unreachable or read-only past the write deadline (a failover that did not end). */
export const databaseUnavailable = (retryAfterSeconds: number) =>
  new DomainError(
    'unavailable',
    'DATABASE_UNAVAILABLE',
    'The database did not become writable in time; the change was not made. Retry with the same Idempotency-Key.',
    { retryAfterSeconds },
  )
