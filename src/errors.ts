// Every error a client can see: a stable code, a fitting HTTP status and a message a person can act
// on. The one error handler below turns anything thrown into {code, message, requestId, details?};
// 5xx bodies never carry internals. Services refuse with a DomainError (no HTTP there); its kind
// becomes a status here.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isFailoverError, isRetryableTransactionError } from './db/failover-errors.ts'
import { DomainError, type FieldProblem, type RefusalKind } from './domain/errors.ts'
import { SEARCH_BOUND_PATTERN } from './domain/search-bound-pattern.ts'

export class AppError extends Error {
  readonly code: string
  readonly status: number
  readonly details?: unknown
  readonly headers?: Record<string, string>
  /** Problems found but not listed in `details` (a 400 lists the first ones only). */
  omittedDetails = 0
  constructor(
    status: number,
    code: string,
    message: string,
    details?: unknown,
    headers?: Record<string, string>,
  ) {
    super(message)
    this.name = 'AppError'
    this.status = status
    this.code = code
    this.details = details
    this.headers = headers
  }
}

const STATUS_OF_REFUSAL: Readonly<Record<RefusalKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
  unavailable: 503,
}

function fromDomainError(error: DomainError): AppError {
  const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds
  if (error.kind === 'unavailable') {
    return new AppError(503, error.code, error.message, undefined, typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : undefined)
  }
  return new AppError(STATUS_OF_REFUSAL[error.kind], error.code, error.message, error.details)
}

/**
 * A read met no database that could answer (both the primary and the replicas away, or a statement cut
 * by a timeout while a failover settles): nothing was changed, and the same request will work shortly.
 * Issue 12 measured these as 500 without Retry-After during a failover.
 */
const databaseUnavailableForRead = (retryAfterSeconds = 5) =>
  new AppError(503, 'DATABASE_UNAVAILABLE', 'The database is failing over; nothing was changed. Retry in a few seconds.', undefined, {
    'retry-after': String(retryAfterSeconds),
  })

// Ajv keywords → stable codes. Custom formats (container number, tax code, …) carry their own code.
const keywordCodes: Record<string, string> = {
  required: 'FIELD_REQUIRED',
  additionalProperties: 'FIELD_UNKNOWN',
  type: 'FIELD_TYPE',
  minLength: 'FIELD_TOO_SHORT',
  maxLength: 'FIELD_TOO_LONG',
  minimum: 'FIELD_TOO_SMALL',
  exclusiveMinimum: 'FIELD_TOO_SMALL',
  maximum: 'FIELD_TOO_LARGE',
  minItems: 'FIELD_TOO_FEW_ITEMS',
  maxItems: 'FIELD_TOO_MANY_ITEMS',
  enum: 'FIELD_NOT_ALLOWED_VALUE',
  const: 'FIELD_NOT_ALLOWED_VALUE',
  pattern: 'FIELD_FORMAT',
  anyOf: 'FIELD_SHAPE',
  oneOf: 'FIELD_SHAPE',
  multipleOf: 'FIELD_PRECISION',
  uniqueItems: 'FIELD_DUPLICATE_ITEMS',
  'x-registered-office': 'UNKNOWN_OFFICE',
  'x-office-in-use': 'OFFICE_OUT_OF_USE',
}

/** Codes of the custom Ajv formats; the format name is the key. */
const formatCodes: Record<string, string> = {
  'declaration-number': 'INVALID_DECLARATION_NUMBER',
  'office-code': 'INVALID_OFFICE_CODE',
  'container-number': 'INVALID_CONTAINER_NUMBER',
  'tax-code': 'INVALID_TAX_CODE',
  'hs-code': 'INVALID_HS_CODE',
  'procedure-type': 'INVALID_PROCEDURE_TYPE',
  'date-time': 'INVALID_DATE_TIME',
  date: 'INVALID_DATE',
  uuid: 'INVALID_UUID',
}

interface AjvError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

// A 400 lists the first problems and says how many more there were: issue 12 measured a 15 MB answer
// (and 1.4 s of a blocked event loop) to a 480 KB body with a bad field in every array item.
export const MAX_LISTED_PROBLEMS = 100
/** No error body is larger, whatever the input (sendError cuts the list to fit). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024
// Field paths carry property names the client chose; a name may be as long as the body.
const MAX_FIELD_LENGTH = 200
const MAX_MESSAGE_LENGTH = 500

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

function fieldOf(err: AjvError, context: string | undefined): string {
  let path = err.instancePath.replace(/^\//, '').replaceAll('/', '.')
  if (err.keyword === 'required') path = [path, String(err.params.missingProperty)].filter(Boolean).join('.')
  if (err.keyword === 'additionalProperties') {
    path = [path, String(err.params.additionalProperty)].filter(Boolean).join('.')
  }
  const prefix = context === 'body' || context === undefined ? '' : `${context}.`
  return clip(prefix + (path || context || 'body'), MAX_FIELD_LENGTH)
}

/** Patterns whose refusal has its own stable code, older than the pattern. */
const patternCodes: Record<string, string> = {
  [SEARCH_BOUND_PATTERN]: 'INVALID_DATE_TIME',
}

const codeOf = (err: AjvError) => {
  if (err.keyword === 'format') return formatCodes[String(err.params.format)] ?? 'FIELD_FORMAT'
  if (err.keyword === 'pattern') return patternCodes[String(err.params.pattern)] ?? 'FIELD_FORMAT'
  return keywordCodes[err.keyword] ?? 'FIELD_INVALID'
}

export interface ProblemList {
  problems: FieldProblem[]
  /** Distinct problems found beyond the listed ones. */
  omitted: number
}

/** The first `max` distinct problems (field and code) of Ajv's errors, and how many more there are. */
function validationProblemList(errors: AjvError[], context: string | undefined, max = MAX_LISTED_PROBLEMS): ProblemList {
  const seen = new Set<string>()
  const problems: FieldProblem[] = []
  let omitted = 0
  let previous = ''
  for (const err of errors) {
    const code = codeOf(err)
    if (problems.length < max) {
      const field = fieldOf(err, context)
      const key = `${field}\u0000${code}`
      if (seen.has(key)) continue
      seen.add(key)
      problems.push({ field, code, message: clip(err.message ?? '', MAX_MESSAGE_LENGTH) })
      continue
    }
    // Past the list only a count is wanted, at the least cost (a body of 1 MiB can hold 10^5 errors):
    // Ajv reports one field's errors next to each other, so a change of field or code is a new problem.
    const key = `${err.instancePath}\u0000${code}\u0000${String(err.params.missingProperty ?? err.params.additionalProperty ?? '')}`
    if (key !== previous) omitted++
    previous = key
  }
  return { problems, omitted }
}

export function validationProblems(errors: AjvError[], context: string | undefined): FieldProblem[] {
  return validationProblemList(errors, context).problems
}

/** A 400 VALIDATION_FAILED listing the first problems; the message and `omittedDetails` say how many more. */
function invalidProblems({ problems, omitted }: ProblemList): AppError {
  const invalid = (message: string) => new AppError(400, 'VALIDATION_FAILED', message, problems)
  if (omitted === 0) return invalid('The request has invalid fields')
  const error = invalid(`The request has invalid fields: the first ${problems.length} are listed, ${omitted} more are not`)
  error.omittedDetails = omitted
  return error
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  if (error.headers) reply.headers(error.headers)
  const body: Record<string, unknown> = {
    code: error.code,
    message: clip(error.message, MAX_MESSAGE_LENGTH),
    requestId: request.id,
  }
  if (error.details !== undefined) body.details = error.details
  if (error.omittedDetails > 0) body.omittedDetails = error.omittedDetails
  return reply.status(error.status).send(withinErrorBudget(body))
}

/** Cuts `details` (a list) to what fits MAX_ERROR_BODY_BYTES; what it drops is counted in omittedDetails. */
function withinErrorBudget(body: Record<string, unknown>): Record<string, unknown> {
  if (Buffer.byteLength(JSON.stringify(body)) <= MAX_ERROR_BODY_BYTES) return body
  const { details, ...rest } = body
  if (!Array.isArray(details)) return rest
  // Room for the rest of the body, the brackets and a larger omittedDetails figure.
  let size = Buffer.byteLength(JSON.stringify({ ...rest, details: [], omittedDetails: Number.MAX_SAFE_INTEGER }))
  let kept = 0
  for (const item of details) {
    size += Buffer.byteLength(JSON.stringify(item)) + 1
    if (size > MAX_ERROR_BODY_BYTES) break
    kept++
  }
  const omitted = ((rest.omittedDetails as number | undefined) ?? 0) + details.length - kept
  return { ...rest, details: details.slice(0, kept), omittedDetails: omitted }
}

/** Maps Fastify's own errors (parsing, limits, validation) to stable codes. */
export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error
  if (error instanceof DomainError) return fromDomainError(error)
  if (isFailoverError(error) || isRetryableTransactionError(error)) return databaseUnavailableForRead()
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string }
  if (fe.validation) {
    return invalidProblems(validationProblemList(fe.validation, fe.validationContext))
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'BODY_TOO_LARGE', 'The request body is larger than the limit')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'EMPTY_BODY', 'The request has a JSON content type but no body')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON')
    case 'FST_ERR_BAD_URL':
      return new AppError(400, 'MALFORMED_URL', 'The URL has an invalid percent-encoding')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return invalidProblems({ problems: [{ field: 'params', code: 'FIELD_TOO_LONG', message: 'a path parameter is longer than any identifier' }], omitted: 0 })
  }
  if (fe.statusCode === 400 && (error as SyntaxError).name === 'SyntaxError') {
    return new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON')
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode, 'BAD_REQUEST', fe.message)
  }
  return new AppError(500, 'INTERNAL_ERROR', 'An unexpected error occurred; it has been logged')
}
