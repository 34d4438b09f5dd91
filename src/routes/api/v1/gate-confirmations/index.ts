// /api/v1/gate: confirming goods pass the customs supervision area (xác nhận hàng qua KVGS).
// HTTP only: schemas and thin handlers; the rules live in services/gate-*.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Role } from '../../../../domain/actor.ts'
import type { StoredOutcome } from '../../../../domain/write.ts'
import { errorResponses, EXPORT_PRODUCES, ExportFile, ExportQuery, PrintLinkBody } from '../../../../schemas/common-schemas.ts'
import { sendExport } from '../../../export-route.ts'
import { sendOutcome, writeContextOf } from '../../../write-door.ts'
import { confirmationExport } from '../../../../services/export-tables.ts'
import { findGateEntries, getEligibleList, registerEligibleList } from '../../../../services/gate-declaration-service.ts'
import {
  cancelConfirmation,
  confirmAllContainers,
  confirmContainer,
  confirmLot,
  releaseConfirmation,
  searchConfirmations,
} from '../../../../services/gate-confirmation-service.ts'
import { renderEligibleList } from '../../../../services/gate-print-service.ts'
import { issuePrintLink } from '../../../../services/print-service.ts'
import {
  AllContainersConfirmationBody,
  CancelBody,
  Confirmation,
  ConfirmationPage,
  ConfirmationParams,
  ConfirmationSearchQuery,
  ContainerConfirmationBody,
  AllContainersConfirmationResponse,
  ContainerConfirmationResponse,
  ContainerLookupParams,
  ContainerParams,
  DeclarationParams,
  EligibleList,
  EligibleListBody,
  GateEntries,
  LotConfirmationBody,
  LotConfirmationResponse,
  LotParams,
  RegisterResponse,
  ReleaseBody,
} from '../../../../schemas/gate-schemas.ts'

// Admins read everything but act for no office.
const WRITE_ROLES: Role[] = ['officer', 'supervisor']
const tags = ['gate-confirmations']

/** A confirmation answers whether its natural key found it already recorded (passed, or held: see its status). */
const confirmationBody = <V>(o: StoredOutcome<V>, view: V) => ({ ...view, alreadyConfirmed: o.kind === 'duplicate' })

/** A gate officer's tap sends no body: it means "passed now, by me". */
const noBodyMeansNow = async (request: FastifyRequest) => {
  if (request.body === undefined || request.body === null) request.body = {}
}

const gateConfirmationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/declarations/:declarationNumber',
    {
      config: { roles: WRITE_ROLES },
      schema: {
        tags,
        summary: 'Register or replace the eligible list of a declaration (danh sách container / hàng hóa đủ điều kiện qua KVGS)',
        params: DeclarationParams,
        body: EligibleListBody,
        response: { 200: RegisterResponse, 201: RegisterResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const outcome = await registerEligibleList(app.db, writeContextOf(request), request.params.declarationNumber, request.body)
      return sendOutcome(request, reply, outcome, (o, list) => ({ ...list, outcome: o.kind }))
    },
  )

  app.get(
    '/declarations/:declarationNumber',
    {
      schema: {
        tags,
        summary: 'The eligible list with each container’s confirmation and each lot’s quantity passed / remaining',
        params: DeclarationParams,
        response: { 200: EligibleList, ...errorResponses },
      },
    },
    async (request) => app.db.readFresh((q) => getEligibleList(q, request.actor, request.params.declarationNumber)),
  )

  app.get(
    '/declarations/:declarationNumber/print',
    {
      schema: {
        tags,
        summary: 'Printable eligible list (in danh sách container / hàng hóa đủ điều kiện qua khu vực giám sát), HTML',
        params: DeclarationParams,
        produces: ['text/html'],
        response: {
          200: { description: 'Printable HTML page', content: { 'text/html': { schema: Type.String() } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const list = await app.db.readFresh((q) => getEligibleList(q, request.actor, request.params.declarationNumber))
      return reply.type('text/html; charset=utf-8').send(renderEligibleList(list, new Date().toISOString()))
    },
  )

  app.get(
    '/containers/:containerNumber',
    {
      schema: {
        tags,
        summary: 'Tìm container tại cổng — the eligible lists that name a container, by its number alone',
        description: 'For the gate officer who has the box in front of them: each entry carries the declaration, whether it may pass, the seals on the list and whether the container was confirmed.',
        params: ContainerLookupParams,
        response: { 200: GateEntries, ...errorResponses },
      },
    },
    async (request) => {
      const { containerNumber } = request.params
      return app.db.readFresh((q) => findGateEntries(q, request.actor, containerNumber))
    },
  )

  app.get(
    '/declarations/:declarationNumber/print-link',
    {
      schema: {
        tags,
        summary: 'Liên kết in danh sách — a short-lived signed link to the eligible list (page and PDF) that opens without sign-in',
        params: DeclarationParams,
        response: { 200: PrintLinkBody, ...errorResponses },
      },
    },
    async (request) => {
      const { declarationNumber } = request.params
      return app.db.readFresh((q) => issuePrintLink(q, app.printDeps(), request.actor, 'eligible-list', declarationNumber))
    },
  )

  app.post(
    '/declarations/:declarationNumber/confirmations',
    {
      config: { roles: WRITE_ROLES },
      preValidation: noBodyMeansNow,
      schema: {
        tags,
        summary: 'Confirm every container of a declaration passed the supervision area at once (xác nhận cả tờ khai)',
        description:
          'Each container of the eligible list is confirmed as by its own request; those recorded before (passed, or held for ' +
          'their seals) are answered as they stand, with alreadyConfirmed. sealFindings states the seals of some containers: ' +
          'those not intact are held (status HELD), not passed. 201 when this request recorded at least one, 200 when all had ' +
          'been recorded before.',
        params: DeclarationParams,
        body: AllContainersConfirmationBody,
        response: { 200: AllContainersConfirmationResponse, 201: AllContainersConfirmationResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const outcome = await confirmAllContainers(app.db, writeContextOf(request), request.params.declarationNumber, request.body)
      return sendOutcome(request, reply, outcome)
    },
  )

  app.post(
    '/declarations/:declarationNumber/containers/:containerNumber/confirmations',
    {
      config: { roles: WRITE_ROLES },
      preValidation: noBodyMeansNow,
      schema: {
        tags,
        summary: 'Confirm a container passed the supervision area (xác nhận container qua KVGS); once per container',
        description:
          'With sealState / sealsFound the officer states the seals found: seals not intact (broken, missing, another number) hold ' +
          'the container (status HELD: not passed, the office is told) until a supervisor of the office releases it or cancels the ' +
          'hold. A tap on a held container is 409 GATE_CONTAINER_HELD.',
        params: ContainerParams,
        body: ContainerConfirmationBody,
        response: { 200: ContainerConfirmationResponse, 201: ContainerConfirmationResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { declarationNumber, containerNumber } = request.params
      const outcome = await confirmContainer(app.db, writeContextOf(request), declarationNumber, containerNumber, request.body)
      return sendOutcome(request, reply, outcome, confirmationBody)
    },
  )

  app.post(
    '/declarations/:declarationNumber/lots/:lotNo/confirmations',
    {
      config: { roles: WRITE_ROLES },
      schema: {
        tags,
        summary: 'Confirm a quantity of a bulk lot passed (xác nhận hàng rời qua KVGS theo lần); never beyond the total',
        params: LotParams,
        body: LotConfirmationBody,
        response: { 200: LotConfirmationResponse, 201: LotConfirmationResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { declarationNumber, lotNo } = request.params
      const outcome = await confirmLot(app.db, writeContextOf(request), declarationNumber, lotNo, request.body)
      return sendOutcome(request, reply, outcome, confirmationBody)
    },
  )

  app.post(
    '/confirmations/:id/cancel',
    {
      config: { roles: WRITE_ROLES },
      schema: {
        tags,
        summary: 'Cancel a confirmation with a reason (hủy xác nhận qua KVGS); a lot’s quantity is given back',
        description: 'Cancelling a hold (status HELD: the container does not pass) is a supervisor\'s step: an officer gets 403 SUPERVISOR_REQUIRED.',
        params: ConfirmationParams,
        body: CancelBody,
        response: { 200: Confirmation, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendOutcome(request, reply, await cancelConfirmation(app.db, writeContextOf(request), request.params.id, request.body)),
  )

  app.post(
    '/confirmations/:id/release',
    {
      config: { roles: WRITE_ROLES },
      schema: {
        tags,
        summary: 'Let a container held for its seals pass (lãnh đạo cho qua), with the reason of the decision; a supervisor of the office',
        description:
          'Only a HELD container (409 ILLEGAL_TRANSITION otherwise) of a declaration that may pass (409 DECLARATION_NOT_CLEARED); ' +
          'an officer gets 403 SUPERVISOR_REQUIRED once the request is otherwise valid. It passes now: status CONFIRMED, ' +
          'passedAt the release time, heldAt and the seals found kept.',
        params: ConfirmationParams,
        body: ReleaseBody,
        response: { 200: Confirmation, ...errorResponses },
      },
    },
    async (request, reply) =>
      sendOutcome(request, reply, await releaseConfirmation(app.db, writeContextOf(request), request.params.id, request.body)),
  )

  app.get(
    '/confirmations',
    {
      schema: {
        tags,
        summary: 'Search confirmations by office, declaration, container, seal, status (HELD: held for their seals), seal state and time (newest first)',
        querystring: ConfirmationSearchQuery,
        response: { 200: ConfirmationPage, ...errorResponses },
      },
    },
    async (request) => app.db.read((q) => searchConfirmations(q, request.actor, request.query)),
  )

  const ConfirmationExportQuery = ExportQuery(ConfirmationSearchQuery)
  app.get(
    '/confirmations/export',
    {
      schema: {
        tags,
        summary: 'Xuất danh sách xác nhận qua KVGS — every matching confirmation as CSV or XLSX',
        querystring: ConfirmationExportQuery,
        produces: EXPORT_PRODUCES,
        response: { 200: ExportFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query
      return sendExport(reply, await confirmationExport((fn) => app.db.read(fn), request.actor, query, new Date().toISOString()), format)
    },
  )
}

export default gateConfirmationRoutes
