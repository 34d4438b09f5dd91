-- Transactional outbox: every audited change writes its event here in the change's own transaction
-- (services/audit-service.ts → recordChange), so the wider customs system hears of a change if and
-- only if it committed. A job delivers due events over HTTP, at least once; the dedupe key travels as
-- the Idempotency-Key header so the receiver applies each event once in effect.
CREATE TABLE outbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_type       text NOT NULL,          -- <entityType>.<action>, e.g. handover.arrived
  entity_type      text NOT NULL,
  entity_id        text NOT NULL,
  payload          jsonb NOT NULL,
  dedupe_key       text NOT NULL DEFAULT gen_random_uuid()::text UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  -- Also the delivery lease: a claim moves it forward, so an event whose deliverer died mid-POST
  -- becomes due again when the lease runs out and is delivered by another node.
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text
);
-- The delivery claim reads only undelivered rows: a partial index stays small however long the
-- delivered history is kept.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
-- Events of one entity go out in order: a claim skips an event while an earlier one of the same entity
-- is still undelivered.
CREATE INDEX outbox_entity_undelivered ON outbox (entity_type, entity_id, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_delivered_at ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
