-- Roles that can do only their job (issue 13): the schema belongs to the owner role that runs these
-- migrations (tqdt_owner); the app logs in as a role that is a member of tqdt_app and gets exactly
-- the DML it needs, table by table. It cannot ALTER, DROP or TRUNCATE anything, nor create objects
-- here. A new table gets its grants in the migration that creates it.
-- The roles are made by the database's administrator (infra/launcher/cluster-command.ts), not here:
-- the owner may not create roles. (Migrations 012 and 014 name this one "013": it is numbered after
-- 014 so that a database migrated before the roles existed gets every grant, 014's included.)
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tqdt_app') THEN
    RAISE EXCEPTION 'role tqdt_app is missing: the cluster launcher creates it (infra/launcher/cluster-command.ts, bootstrapRoles)';
  END IF;
END $$;

DO $$ BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO tqdt_app', current_schema());
END $$;

-- Officers and offices are maintained by the operators' commands, which run as the app's role.
GRANT SELECT, INSERT, UPDATE ON officers, offices TO tqdt_app;

-- The records: written and changed, never deleted (a cancellation is a status).
GRANT SELECT, INSERT, UPDATE ON handovers, gate_declarations, gate_confirmations, paper_declarations,
  back_entry_batches, back_entry_rows TO tqdt_app;
GRANT SELECT, INSERT ON handover_receipts, handover_amendments TO tqdt_app;
-- A notice is written once and marked read.
GRANT SELECT, INSERT, UPDATE ON notices TO tqdt_app;
-- Parts of a record that a replacement drops: a handover's containers and goods lines when it is
-- amended, unconfirmed entries of an eligible list, goods lines of an updated paper declaration.
GRANT SELECT, INSERT, UPDATE, DELETE ON handover_containers, gate_containers, gate_lots, paper_declaration_goods_lines TO tqdt_app;
GRANT SELECT, INSERT, DELETE ON handover_goods_lines TO tqdt_app;

-- Working tables, swept when their rows have served (expired keys, delivered events).
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys, outbox TO tqdt_app;

-- The audit trail: appended and read, nothing else — the rows, and the sealer's leaves, tree nodes
-- and checkpoints (the sealer runs in the app). A trigger refuses UPDATE, DELETE and TRUNCATE even
-- to the owner (migrations/012_audit_seal.sql).
GRANT SELECT, INSERT ON audit_log, audit_leaves, audit_tree_nodes, audit_checkpoints TO tqdt_app;

-- Handover numbers come from sequences the owner creates on demand; the app may only ask for the next.
REVOKE EXECUTE ON FUNCTION next_handover_number(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION next_handover_number(text, integer) TO tqdt_app;
