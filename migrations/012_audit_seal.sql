-- Sealing the audit trail (issue 13): a Merkle tree over the audit rows in their sealing order, as
-- Certificate Transparency logs keep one (RFC 9162), and signed checkpoints of it. The sealer
-- (src/services/audit-seal-service.ts) appends here in one transaction per batch, one sealer at a time;
-- nothing here is touched by the writes of the app. Verification: src/services/audit-verify-service.ts.

-- Leaf i of the tree is audit row audit_id: leaf_hash = SHA-256(0x00 ‖ "<audit_id>\n<entry>").
-- A row is sealed once (UNIQUE), leaves are numbered without gaps (checked by the verifier).
CREATE TABLE audit_leaves (
  leaf_index  bigint PRIMARY KEY CHECK (leaf_index >= 0),
  audit_id    bigint NOT NULL UNIQUE REFERENCES audit_log (id),
  leaf_hash   bytea NOT NULL CHECK (length(leaf_hash) = 32)
);

-- Interior nodes of the tree at level 8 and up (perfect subtrees of 256 leaves and more); lower
-- levels are computed from the leaves when a proof needs them. node_index counts subtrees of the
-- level from the left.
CREATE TABLE audit_tree_nodes (
  level       smallint NOT NULL CHECK (level >= 8),
  node_index  bigint NOT NULL CHECK (node_index >= 0),
  hash        bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, node_index)
);

-- A signed checkpoint (tree size, root, time) after each sealed batch. The signing key is the app's,
-- never the database's; copies also go to a store outside PostgreSQL and out on the outbox.
CREATE TABLE audit_checkpoints (
  tree_size      bigint PRIMARY KEY CHECK (tree_size > 0),
  root_hash      bytea NOT NULL CHECK (length(root_hash) = 32),
  signed_at      timestamptz NOT NULL,
  key_id         text NOT NULL,
  signature      bytea NOT NULL,
  -- Where sealing continues: the last sealed row in the sealing order (txid, id), and the right edge
  -- of the tree (roots of its perfect subtrees, largest first) so the next batch needs no old leaves.
  last_txid      xid8 NOT NULL,
  last_audit_id  bigint NOT NULL,
  edge           bytea[] NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- The trail is append-only, for the schema owner too: UPDATE, DELETE and TRUNCATE are refused unless
-- a session sets the documented maintenance switch (docs/operations/audit.md), which leaves a trace in
-- the server log. The app's role has no such privileges at all (migration 013); this guards the
-- owner's own mistakes. It does not stop a superuser — the signed checkpoints, kept also outside
-- PostgreSQL, are what expose one.
CREATE FUNCTION audit_trail_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('tqdt.audit_maintenance', true) = 'on' THEN
    RAISE LOG 'audit trail maintenance: % on % by %', TG_OP, TG_TABLE_NAME, session_user;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Only for documented maintenance: SET tqdt.audit_maintenance = on (docs/operations/audit.md).';
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['audit_log', 'audit_leaves', 'audit_tree_nodes', 'audit_checkpoints'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only()',
                   t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only()',
                   t || '_no_truncate', t);
  END LOOP;
END $$;
