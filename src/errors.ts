// Every error a client can see: a stable code, a fitting HTTP status and a message a person can act
// on. The one error handler below turns anything thrown into {code, message, requestId, details?};
// 5xx bodies never carry internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

export interface FieldProblem {
  field: string
  code: string
  message?: string
}

export class AppError extends Error {
  readonly code: string
  readonly status: number
  readonly details?: unknown
  readonly headers?: Record<string, string>
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

export const notFound = (code: string, message: string) => new AppError(404, code, message)
export const conflict = (code: string, message: string, details?: unknown) =>
  new AppError(409, code, message, details)
export const forbidden = (code: string, message: string) => new AppError(403, code, message)
export const invalid = (problems: FieldProblem[], message = 'The request has invalid fields') =>
  new AppError(400, 'VALIDATION_FAILED', message, problems)

/** The database stayed unreachable or read-only past the write deadline (a failover that did not end). */
export const databaseUnavailable = (retryAfterSeconds: number) =>
  new AppError(
    503,
    'DATABASE_UNAVAILABLE',
    'The database did not become writable in time; the change was not made. Retry with the same Idempotency-Key.',
    undefined,
    { 'retry-after': String(retryAfterSeconds) },
  )

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
}

/** Codes of the custom Ajv formats; the format name is the key. */
export const formatCodes: Record<string, string> = {
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

function fieldOf(err: AjvError, context: string | undefined): string {
  let path = err.instancePath.replace(/^\//, '').replaceAll('/', '.')
  if (err.keyword === 'required') path = [path, String(err.params.missingProperty)].filter(Boolean).join('.')
  if (err.keyword === 'additionalProperties') {
    path = [path, String(err.params.additionalProperty)].filter(Boolean).join('.')
  }
  const prefix = context === 'body' || context === undefined ? '' : `${context}.`
  return prefix + (path || context || 'body')
}

export function validationProblems(errors: AjvError[], context: string | undefined): FieldProblem[] {
  const seen = new Set<string>()
  const problems: FieldProblem[] = []
  for (const err of errors) {
    const code =
      err.keyword === 'format'
        ? (formatCodes[String(err.params.format)] ?? 'FIELD_FORMAT')
        : (keywordCodes[err.keyword] ?? 'FIELD_INVALID')
    const field = fieldOf(err, context)
    const key = `${field}:${code}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push({ field, code, message: err.message })
  }
  return problems
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  if (error.headers) reply.headers(error.headers)
  const body: Record<string, unknown> = {
    code: error.code,
    message: error.message,
    requestId: request.id,
  }
  if (error.details !== undefined) body.details = error.details
  return reply.status(error.status).send(body)
}

/** Maps Fastify's own errors (parsing, limits, validation) to stable codes. */
export function toAppError(error: FastifyError | AppError | Error): AppError {
  if (error instanceof AppError) return error
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string }
  if (fe.validation) {
    return invalid(validationProblems(fe.validation, fe.validationContext))
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
  }
  if (fe.statusCode === 400 && (error as SyntaxError).name === 'SyntaxError') {
    return new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON')
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode, 'BAD_REQUEST', fe.message)
  }
  return new AppError(500, 'INTERNAL_ERROR', 'An unexpected error occurred; it has been logged')
}
