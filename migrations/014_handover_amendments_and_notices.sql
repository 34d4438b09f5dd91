-- An officer's day, part 1 (issue 17): a handover amended before receipt keeps its number and every
-- version, the other office is told (notices to both ends, marked read), and a paper form number
-- freed by a cancellation can be entered again with the corrected form.

-- Every version-changing correction of a handover that is not a state transition: an amendment by
-- the departure office, and later a time-limit extension and a receipt correction (issue 17, items
-- 3 and 4). The row names the version it made, so the history reads version by version; the audit
-- trail holds the same change with the handover before and after.
CREATE TABLE handover_amendments (
  handover_id  uuid NOT NULL REFERENCES handovers (id),
  version      integer NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('amendment', 'extension', 'receipt_correction')),
  amended_at   timestamptz NOT NULL,
  amended_by   text NOT NULL,
  entered_by   text NOT NULL,
  origin       text NOT NULL CHECK (origin IN ('online', 'paper')),
  reason       text NOT NULL CHECK (reason <> ''),
  -- {field: {before, after}} of what the change changed, as the view shows the fields.
  changes      jsonb NOT NULL,
  -- The supervisor who approved it, when the change needed one (issue 17, item 3).
  approved_by  text,
  approved_at  timestamptz,
  PRIMARY KEY (handover_id, version)
);

-- A cancelled paper handover no longer holds its form number: the corrected form is entered under it.
DROP INDEX handovers_paper_number;
CREATE UNIQUE INDEX handovers_paper_number ON handovers (departure_office, paper_number)
  WHERE paper_number IS NOT NULL AND status <> 'CANCELLED';

-- Notices go to either end of a handover, and one record raises several of a kind (an amendment per
-- version): a notice is unique per office, kind, record and the record's version, so a re-run of the
-- overdue scan after a failover still raises nothing twice. An office marks a notice read.
ALTER TABLE notices
  ADD COLUMN entity_version integer NOT NULL DEFAULT 0,
  ADD COLUMN read_at timestamptz,
  ADD COLUMN read_by text;
ALTER TABLE notices DROP CONSTRAINT notices_kind_entity_type_entity_id_key;
CREATE UNIQUE INDEX notices_once ON notices (office, kind, entity_type, entity_id, entity_version);
CREATE INDEX notices_office_unread ON notices (office, created_at DESC, id DESC) WHERE read_at IS NULL;

-- The app's role (migration 013, where it exists): amendments are appended; an amendment replaces a
-- handover's containers and goods lines; a notice is marked read.
DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tqdt_app') THEN
    GRANT SELECT, INSERT ON handover_amendments TO tqdt_app;
    GRANT DELETE ON handover_containers, handover_goods_lines TO tqdt_app;
    GRANT UPDATE ON notices TO tqdt_app;
  END IF;
END $$;
