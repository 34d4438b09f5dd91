-- Seals found at the gate (issue 17, item 7: "record a seal mismatch at the gate"). The gate officer
-- checks a container's seals against the eligible list; seals broken, missing or of another number
-- must not let the container pass silently. Such a container is recorded as HELD (tạm dừng): not a
-- pass, not counted as one, listed and searchable, until a supervisor of the office releases it
-- (it passes, status CONFIRMED, the release and its reason kept) or cancels it (it does not pass).

ALTER TABLE gate_confirmations DROP CONSTRAINT gate_confirmations_status_check;
ALTER TABLE gate_confirmations
  ADD CONSTRAINT gate_confirmations_status_check CHECK (status IN ('CONFIRMED', 'HELD', 'CANCELLED'));

ALTER TABLE gate_confirmations
  -- What the officer stated about the seals; NULL: nothing stated (a tap, as before seals were recorded).
  ADD COLUMN seal_state          text CHECK (seal_state IN ('INTACT', 'BROKEN', 'MISSING', 'DIFFERENT_NUMBER')),
  -- The numbers read on the container (NULL: none read); carrier_seal / customs_seal stay the list's.
  ADD COLUMN carrier_seal_found  text,
  ADD COLUMN customs_seal_found  text,
  ADD COLUMN seal_note           text,
  -- When the container was held at the gate; passed_at becomes the release time if it is released,
  -- so a day's passes (reports) count it on the day it actually passed.
  ADD COLUMN held_at             timestamptz,
  ADD COLUMN release_reason      text,
  ADD COLUMN released_at         timestamptz,
  ADD COLUMN released_by         text,
  ADD COLUMN release_origin      text CHECK (release_origin IN ('online', 'paper')),
  ADD COLUMN release_recorded_at timestamptz;

-- A hold is a container's seal mismatch, explained; only a hold is released, and a release has a reason.
ALTER TABLE gate_confirmations
  ADD CONSTRAINT gate_confirmations_hold_is_mismatch
    CHECK (held_at IS NULL OR (kind = 'container' AND seal_state IN ('BROKEN', 'MISSING', 'DIFFERENT_NUMBER') AND seal_note IS NOT NULL)),
  ADD CONSTRAINT gate_confirmations_held_until_decided
    CHECK (status <> 'HELD' OR (held_at IS NOT NULL AND release_reason IS NULL)),
  ADD CONSTRAINT gate_confirmations_release_of_hold
    CHECK ((release_reason IS NULL) = (released_at IS NULL) AND (release_reason IS NULL OR held_at IS NOT NULL));

-- A container has one live gate record: passed or held. A second confirmation (or hold) meets the
-- first here, as concurrent confirmations always did (migrations/003_gate_confirmations.sql).
DROP INDEX gate_confirmations_container_once;
CREATE UNIQUE INDEX gate_confirmations_container_once
  ON gate_confirmations (declaration_number, entry_ref) WHERE kind = 'container' AND status IN ('CONFIRMED', 'HELD');
-- The seals found are searched like the list's (sealNumber); few rows have them.
CREATE INDEX gate_confirmations_carrier_seal_found ON gate_confirmations (carrier_seal_found) WHERE carrier_seal_found IS NOT NULL;
CREATE INDEX gate_confirmations_customs_seal_found ON gate_confirmations (customs_seal_found) WHERE customs_seal_found IS NOT NULL;

-- No grant: the app's role already inserts and updates gate_confirmations (migrations/015_app_role.sql),
-- and a hold and its release are an insert and an update of that table.
