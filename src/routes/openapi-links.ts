// OpenAPI links from each operation that creates a record to the operations that read it (and take it
// further): a generated client can follow them, and schemathesis' stateful phase chains its requests
// along them (create a handover → read it, print it, receive it, read its audit trail). Declared in one
// table and added to the document by `addLinks` (@fastify/swagger's transformObject); a link whose
// source response or target operation is missing stops the document from being built.
import { HANDOVER_ENTITY as HANDOVER } from '../domain/handover.ts'
import { PAPER_DECLARATION_ENTITY as PAPER_DECLARATION } from '../domain/paper-declaration.ts'
import { GATE_CONFIRMATION_ENTITY as GATE_CONFIRMATION, GATE_DECLARATION_ENTITY as GATE_DECLARATION } from '../domain/gate.ts'
import { BATCH_ENTITY as BACK_ENTRY_BATCH } from '../services/back-entry-service.ts'

type Operation = `${'GET' | 'POST' | 'PUT'} /api/v1/${string}`

interface LinkSource {
  from: Operation
  statuses: number[]
  /** Link name → target operation and its parameters (runtime expressions, or constants). */
  links: Record<string, { to: Operation; parameters: Record<string, string>; description: string }>
}

const handoverId = { id: '$response.body#/id' }
const auditOf = (entityType: string, entityId: string) => ({ entityType, entityId })

const OPENAPI_LINKS: LinkSource[] = [
  {
    from: 'POST /api/v1/handovers',
    statuses: [201, 200],
    links: {
      GetHandover: { to: 'GET /api/v1/handovers/{id}', parameters: handoverId, description: 'The handover just created' },
      PrintHandover: { to: 'GET /api/v1/handovers/{id}/print', parameters: handoverId, description: 'Its printable minutes' },
      PrintLinkOfHandover: { to: 'GET /api/v1/handovers/{id}/print-link', parameters: handoverId, description: 'A signed link to its print' },
      AuditOfHandover: { to: 'GET /api/v1/audit/{entityType}/{entityId}', parameters: auditOf(HANDOVER, '$response.body#/id'), description: 'Its audit trail' },
      ReceiveHandover: { to: 'POST /api/v1/handovers/{id}/receipt', parameters: handoverId, description: 'The destination office records receipt' },
      CancelHandover: { to: 'POST /api/v1/handovers/{id}/cancel', parameters: handoverId, description: 'The departure office cancels it' },
    },
  },
  {
    from: 'POST /api/v1/handovers/{id}/receipt',
    statuses: [200],
    links: {
      GetReceivedHandover: { to: 'GET /api/v1/handovers/{id}', parameters: handoverId, description: 'The handover with its receipt' },
      CloseHandover: { to: 'POST /api/v1/handovers/{id}/close', parameters: handoverId, description: 'Close it once received' },
    },
  },
  {
    from: 'PUT /api/v1/gate/declarations/{declarationNumber}',
    statuses: [201, 200],
    links: {
      GetEligibleList: {
        to: 'GET /api/v1/gate/declarations/{declarationNumber}',
        parameters: { declarationNumber: '$response.body#/declarationNumber' },
        description: 'The eligible list just registered',
      },
      PrintEligibleList: {
        to: 'GET /api/v1/gate/declarations/{declarationNumber}/print',
        parameters: { declarationNumber: '$response.body#/declarationNumber' },
        description: 'Its printable list',
      },
      ConfirmFirstContainer: {
        to: 'POST /api/v1/gate/declarations/{declarationNumber}/containers/{containerNumber}/confirmations',
        parameters: { declarationNumber: '$response.body#/declarationNumber', containerNumber: '$response.body#/containers/0/containerNumber' },
        description: 'Confirm its first container at the gate',
      },
      AuditOfEligibleList: {
        to: 'GET /api/v1/audit/{entityType}/{entityId}',
        parameters: auditOf(GATE_DECLARATION, '$response.body#/declarationNumber'),
        description: 'Its audit trail',
      },
    },
  },
  {
    from: 'POST /api/v1/gate/declarations/{declarationNumber}/containers/{containerNumber}/confirmations',
    statuses: [201, 200],
    links: {
      GetContainerAtGate: {
        to: 'GET /api/v1/gate/containers/{containerNumber}',
        parameters: { containerNumber: '$response.body#/containerNumber' },
        description: 'The container\'s gate entries',
      },
      CancelContainerConfirmation: {
        to: 'POST /api/v1/gate/confirmations/{id}/cancel',
        parameters: { id: '$response.body#/id' },
        description: 'Cancel the confirmation',
      },
      ReleaseHeldContainer: {
        to: 'POST /api/v1/gate/confirmations/{id}/release',
        parameters: { id: '$response.body#/id' },
        description: 'A supervisor lets it pass, when it was held for its seals',
      },
      AuditOfContainerConfirmation: {
        to: 'GET /api/v1/audit/{entityType}/{entityId}',
        parameters: auditOf(GATE_CONFIRMATION, '$response.body#/id'),
        description: 'Its audit trail',
      },
    },
  },
  {
    from: 'POST /api/v1/gate/declarations/{declarationNumber}/lots/{lotNo}/confirmations',
    statuses: [201, 200],
    links: {
      CancelLotConfirmation: { to: 'POST /api/v1/gate/confirmations/{id}/cancel', parameters: { id: '$response.body#/id' }, description: 'Cancel the confirmation' },
      AuditOfLotConfirmation: {
        to: 'GET /api/v1/audit/{entityType}/{entityId}',
        parameters: auditOf(GATE_CONFIRMATION, '$response.body#/id'),
        description: 'Its audit trail',
      },
    },
  },
  {
    from: 'POST /api/v1/paper-declarations',
    statuses: [201, 200],
    links: {
      GetPaperDeclaration: { to: 'GET /api/v1/paper-declarations/{id}', parameters: { id: '$response.body#/id' }, description: 'The declaration just entered' },
      UpdatePaperDeclaration: {
        to: 'PUT /api/v1/paper-declarations/{id}',
        parameters: { id: '$response.body#/id', 'header.if-match': '$response.header.ETag' },
        description: 'Update it, naming the version read',
      },
      AuditOfPaperDeclaration: {
        to: 'GET /api/v1/audit/{entityType}/{entityId}',
        parameters: auditOf(PAPER_DECLARATION, '$response.body#/id'),
        description: 'Its audit trail',
      },
    },
  },
  {
    from: 'POST /api/v1/back-entry/batches',
    statuses: [202, 200],
    links: {
      GetBatchProgress: { to: 'GET /api/v1/back-entry/batches/{id}', parameters: { id: '$response.body#/id' }, description: 'The batch\'s progress' },
      GetBatchReport: { to: 'GET /api/v1/back-entry/batches/{id}/report', parameters: { id: '$response.body#/id' }, description: 'Its row-by-row report' },
      AuditOfBatch: { to: 'GET /api/v1/audit/{entityType}/{entityId}', parameters: auditOf(BACK_ENTRY_BATCH, '$response.body#/id'), description: 'Its audit trail' },
    },
  },
]

interface OpenApiOperation {
  operationId?: string
  responses?: Record<string, Record<string, unknown>>
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>
}

const split = (operation: Operation) => {
  const [method, path] = operation.split(' ') as [string, string]
  return { method: method.toLowerCase(), path }
}

/** `get /api/v1/handovers/{id}/print` → `get_handovers_id_print`: stable names for generated clients. */
const operationIdOf = (method: string, path: string) =>
  `${method}_${path.replace(/^\/api\/v1\//, '').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`

/**
 * Names every operation that has no operationId (generated clients use it as the method name; links
 * point at it), then adds OPENAPI_LINKS. Throws when a link names a response or an operation the
 * document lacks, so a renamed route cannot leave a dangling link.
 */
export function addLinks<T extends OpenApiDocument>(document: T, table: LinkSource[] = OPENAPI_LINKS): T {
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) operation.operationId ??= operationIdOf(method, path)
  }
  const find = (operation: Operation) => {
    const { method, path } = split(operation)
    const found = document.paths[path]?.[method]
    if (!found) throw new Error(`openapi links: no operation ${operation}`)
    return found
  }
  for (const source of table) {
    const operation = find(source.from)
    const links = Object.fromEntries(
      Object.entries(source.links).map(([name, link]) => [
        name,
        { operationId: find(link.to).operationId, parameters: link.parameters, description: link.description },
      ]),
    )
    for (const status of source.statuses) {
      const response = operation.responses?.[status]
      if (!response) throw new Error(`openapi links: ${source.from} has no ${status} response`)
      response.links = links
    }
  }
  return document
}
