-- The write path without shared rows (issue 14): a write is one guarded statement after one read
-- (src/db/write-statement.ts), and nothing it touches is shared with other writes — no number
-- counter row and no audit chain head locked until a COMMIT that waits for the synchronous standby.

-- Handover numbers: one sequence per departure office and year, created on demand by the schema
-- owner (the app's role may not create objects). nextval takes no lock that lasts to COMMIT, so
-- creators of one office no longer queue behind each other's synchronous commit. The price: a
-- number taken by a write that then fails is not given back, and after a crash or failover a
-- sequence may skip up to 32 values (it logs ahead), so numbers can have gaps (docs/api.md).
CREATE FUNCTION next_handover_number(p_office text, p_year integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  seq_name text := format('handover_number_%s_%s', lower(p_office), p_year);
  seq regclass;
BEGIN
  IF p_office !~ '^[0-9A-Z]{4}$' OR p_year NOT BETWEEN 2000 AND 9999 THEN
    RAISE EXCEPTION 'no handover number sequence for office % and year %', p_office, p_year USING ERRCODE = 'invalid_parameter_value';
  END IF;
  seq := to_regclass(seq_name);
  IF seq IS NULL THEN
    BEGIN
      EXECUTE format('CREATE SEQUENCE %I', seq_name);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
      NULL; -- created by a concurrent first write of the same office and year
    END;
    seq := to_regclass(seq_name);
  END IF;
  RETURN nextval(seq);
END $$;

-- A SECURITY DEFINER function must not resolve names through a search path its caller controls.
DO $$ BEGIN
  EXECUTE format('ALTER FUNCTION next_handover_number(text, integer) SET search_path = %I, pg_temp', current_schema());
END $$;

-- The counters of the old design become sequences that continue where they stopped.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT office, year, last_value FROM handover_number_sequences LOOP
    EXECUTE format('CREATE SEQUENCE %I START %s', format('handover_number_%s_%s', lower(r.office), r.year), r.last_value + 1);
  END LOOP;
END $$;
DROP TABLE handover_number_sequences;

-- Raised by a guarded write whose idempotency key was claimed but whose record had moved since it
-- was read: the whole statement, claim included, is rolled back and the writer reads again.
CREATE FUNCTION write_guard(claimed boolean, changed boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF claimed AND NOT changed THEN
    RAISE EXCEPTION 'the record changed since it was read' USING ERRCODE = 'TQ001';
  END IF;
  RETURN changed;
END $$;

-- Idempotency keys now store the write's domain outcome ({kind, view}); the HTTP status and body of a
-- replay are derived from it by the same adapter as the first answer. Keys stored in the old shape
-- (status and body) are dropped: this version was never deployed with live keys.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
  caller       text NOT NULL,
  key          text NOT NULL,
  fingerprint  text NOT NULL,
  outcome      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- The audit trail: append now, seal after. A change inserts its row and nothing else; a sealer
-- (src/services/audit-seal-service.ts) later takes the rows in one total order — the order of their
-- transaction ids, then ids, counting only transactions that have ended (pg_snapshot_xmin), so no row
-- can later appear before a sealed one — and builds a Merkle tree over them (migration 012).
-- The striped hash chains of migration 001 are replaced: their rows are copied in the order they
-- were recorded and are sealed by the first sealer run.
ALTER TABLE audit_log RENAME TO audit_log_chained;
CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The writing transaction (the top-level one, also inside a savepoint): the sealing order.
  txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
  entity_type  text NOT NULL,
  entity_id    text NOT NULL,
  action       text NOT NULL,
  officer_id   text NOT NULL,
  office       text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  entry        text NOT NULL          -- the change as JSON; the columns above are copies for querying
);
INSERT INTO audit_log (entity_type, entity_id, action, officer_id, office, occurred_at, recorded_at, entry)
SELECT entity_type, entity_id, action, officer_id, office, occurred_at, recorded_at, entry
  FROM audit_log_chained ORDER BY recorded_at, stripe, seq;
DROP TABLE audit_log_chained;
DROP TABLE audit_chain_heads;
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_seal_order ON audit_log (txid, id);
