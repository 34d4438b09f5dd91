-- Bulk back-entry of paper-period records. A batch is recognised by its content hash within an office,
-- so uploading the same file again returns the same batch and applies nothing twice. Each row is
-- applied in its own transaction and its status is written in that same transaction, so a run that
-- is interrupted resumes at the first pending row and a re-run changes nothing.
CREATE TABLE back_entry_batches (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  office        text NOT NULL,
  content_hash  text NOT NULL,
  format        text NOT NULL CHECK (format IN ('csv', 'json')),
  file_name     text,
  uploaded_by   text NOT NULL,
  -- The officer the rows are applied as (their office scopes what the rows may do).
  uploader      jsonb NOT NULL,
  total_rows    integer NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'done')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  UNIQUE (office, content_hash)
);
CREATE INDEX back_entry_batches_unfinished ON back_entry_batches (created_at) WHERE status <> 'done';

CREATE TABLE back_entry_rows (
  batch_id          uuid NOT NULL REFERENCES back_entry_batches (id) ON DELETE CASCADE,
  row_no            integer NOT NULL,      -- 1-based data row (a CSV file's line is row_no + 1)
  kind              text NOT NULL,
  original_time     timestamptz,
  original_officer  text,
  data              jsonb NOT NULL,
  status            text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'accepted', 'duplicate', 'rejected')),
  error_code        text,
  error_message     text,
  error_details     jsonb,
  entity_type       text,
  entity_id         text,
  processed_at      timestamptz,
  PRIMARY KEY (batch_id, row_no)
);
CREATE INDEX back_entry_rows_pending ON back_entry_rows (batch_id, row_no) WHERE status = 'pending';
