// GET /api/v1/audit/verify (supervisor, admin): the whole trail against every signed checkpoint.
// GET /api/v1/audit/consistency?from=&to=: proof that a kept checkpoint's tree is the start of a later one.
// GET /api/v1/audit/:entityType/:entityId: the trail of one record, with inclusion proofs against the
// latest signed checkpoint (checkable offline: docs/operations/audit.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Strict, errorResponses } from '../../../../schemas/common-schemas.ts'
import { auditConsistency, auditTrailWithProofs } from '../../../../services/audit-seal-service.ts'
import { verifyAuditTrail } from '../../../../services/audit-verify-service.ts'

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

const VerifyReport = Type.Object({
  ok: Type.Boolean(),
  leaves: Type.Integer({ description: 'Sealed rows: leaves of the Merkle tree' }),
  checkpoints: Type.Integer({ description: 'Signed checkpoints in the database' }),
  stores: Type.Array(Type.Object({ name: Type.String(), checkpoints: Type.Integer() }), { description: 'Checkpoint stores outside PostgreSQL checked' }),
  unsealed: Type.Integer({ description: 'Rows written but not sealed yet (the sealer’s lag, not a problem)' }),
  problems: Type.Array(
    Type.Object({
      code: Type.String({ description: 'e.g. CHECKPOINT_ROOT_MISMATCH, ROW_CONTENT_CHANGED, SEQUENCE_GAP (docs/operations/audit.md)' }),
      message: Type.String(),
      treeSize: Type.Optional(Type.Integer()),
      leafIndex: Type.Optional(Type.Integer()),
      auditId: Type.Optional(Type.String()),
      store: Type.Optional(Type.String()),
    }),
  ),
})

const Checkpoint = Type.Object({
  logName: Type.String(),
  treeSize: Type.Integer(),
  rootHash: Type.String({ description: 'hex' }),
  signedAt: Type.String(),
  keyId: Type.String({ description: 'First 16 hex digits of SHA-256 of the public key (SPKI DER)' }),
  signature: Type.String({ description: 'Ed25519 over the checkpoint text, base64' }),
})

const Consistency = Type.Object({
  from: Checkpoint,
  to: Checkpoint,
  proof: Type.Array(Type.String(), { description: 'RFC 9162 consistency proof from `from` to `to`, hex' }),
})

const Trail = Type.Object({
  entityType: Type.String(),
  entityId: Type.String(),
  checkpoint: Type.Union([Checkpoint, Type.Null()], { description: 'The latest signed checkpoint; null before the first seal' }),
  items: Type.Array(
    Type.Object(
      {
        auditId: Type.String(),
        leafIndex: Type.Union([Type.Integer(), Type.Null()], { description: 'Null while the row waits for the sealer' }),
        entry: Type.String({ description: 'The entry exactly as stored; leaf = SHA-256(0x00 ‖ auditId "\\n" entry)' }),
        leafHash: Type.String(),
        proof: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'RFC 9162 inclusion proof against checkpoint, hex' }),
        // The entry's own fields, parsed, for reading (the proof covers `entry` above).
        action: Type.Optional(Type.String()),
        officerId: Type.Optional(Type.String()),
        office: Type.Optional(Type.String()),
        occurredAt: Type.Optional(Type.String()),
        recordedAt: Type.Optional(Type.String()),
        origin: Type.Optional(Type.String()),
        enteredBy: Type.Optional(Type.String()),
        requestId: Type.Optional(Nullable(Type.String())),
        before: Type.Optional(Type.Unknown()),
        after: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: true },
    ),
  ),
})

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/verify',
    {
      config: { roles: ['supervisor', 'admin'] },
      schema: {
        tags: ['audit'],
        summary: 'Verify the whole audit trail against every signed checkpoint, in the database and this host’s store',
        response: { 200: VerifyReport, ...errorResponses },
      },
    },
    async () => {
      const { logName, trustedKeys, store } = app.audit
      return app.db.readFresh((q) => verifyAuditTrail(q, { logName, keys: trustedKeys, stores: store ? [store] : [] }))
    },
  )

  app.get(
    '/consistency',
    {
      schema: {
        tags: ['audit'],
        summary: 'Consistency proof between two signed checkpoints (RFC 9162 §2.1.4): the later tree extends the earlier one; checkable offline',
        // Strict like every other query: a misspelt `to` (`?from=5&too=9`) is refused, not ignored
        // into a proof up to the latest checkpoint the caller did not ask for.
        querystring: Strict({
          // A tree size is a bigint in SQL: past 2^53 a number is no longer exact (schemathesis: a 500).
          from: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Tree size of the checkpoint kept earlier' }),
          to: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Tree size of the later checkpoint; the latest by default' })),
        }),
        response: { 200: Consistency, ...errorResponses },
      },
    },
    async (request) => app.db.readFresh((q) => auditConsistency(q, app.audit.logName, request.query.from, request.query.to)),
  )

  app.get(
    '/:entityType/:entityId',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail of one record with inclusion proofs against the latest signed checkpoint; offices that took part in it, and admins',
        params: Type.Object({ entityType: Type.String({ maxLength: 40 }), entityId: Type.String({ maxLength: 80 }) }),
        response: { 200: Trail, ...errorResponses },
      },
    },
    async (request) => {
      const { entityType, entityId } = request.params
      return app.db.readFresh((q) => auditTrailWithProofs(q, request.actor, app.audit.logName, entityType, entityId))
    },
  )
}

export default auditRoutes
