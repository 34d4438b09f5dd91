-- Cross-cutting tables: officers, idempotency keys, the hash-chained audit trail.

CREATE TABLE officers (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  office      text NOT NULL,
  role        text NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key store (IETF draft semantics). A key is scoped to its caller; the row is written in
-- the same transaction as the change it answers for, so a stored response always has its change.
CREATE TABLE idempotency_keys (
  caller         text NOT NULL,
  key            text NOT NULL,
  fingerprint    text NOT NULL,
  status_code    integer NOT NULL,
  response_body  jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- Audit trail: every change appends one row in the change's transaction. Rows form 16 hash chains
-- (stripe = entity hash mod 16) so concurrent writers to different entities rarely wait on one
-- chain head; each row's hash covers the previous row's hash and the canonical entry text, and the
-- head table records each chain's last row, so an edit, a deletion or a truncation is detectable.
CREATE TABLE audit_chain_heads (
  stripe     smallint PRIMARY KEY,
  last_seq   bigint NOT NULL,
  last_hash  text NOT NULL
);
INSERT INTO audit_chain_heads (stripe, last_seq, last_hash)
SELECT s, 0, repeat('0', 64) FROM generate_series(0, 15) AS s;

CREATE TABLE audit_log (
  stripe       smallint NOT NULL,
  seq          bigint NOT NULL,
  entry        text NOT NULL,          -- canonical JSON; the columns below are copies for querying
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  entity_type  text NOT NULL,
  entity_id    text NOT NULL,
  action       text NOT NULL,
  officer_id   text NOT NULL,
  office       text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (stripe, seq)
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
