-- Approvals as a queue (issue 17, item 3: "wait for a supervisor of the right office"). The steps the
-- rules reserve for a supervisor — extending a time limit, cancelling an overdue handover, recording
-- a verification result, correcting a recorded receipt — can be asked for by an officer of the office
-- that takes them. The request waits here, with exactly what the officer asked for, until a
-- supervisor of that office approves it (the step is applied as asked, by the supervisor, in the same
-- statement that marks the request APPROVED) or rejects it with a note. A request is decided once.
CREATE TABLE approval_requests (
  id               uuid PRIMARY KEY,
  -- The office whose supervisor decides: the departure office, or the destination for a receipt correction.
  office           text NOT NULL,
  step             text NOT NULL CHECK (step IN ('extension', 'cancellation', 'verification_result', 'receipt_correction')),
  handover_id      uuid NOT NULL REFERENCES handovers (id),
  -- The version the request was made on (the If-Match of the steps that name one): the step is
  -- applied to that version or not at all.
  handover_version integer NOT NULL,
  -- The step's request body as the officer sent it; applied as it stands when approved.
  request          jsonb NOT NULL,
  requested_by     text NOT NULL,
  requested_at     timestamptz NOT NULL,
  status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
  decided_by       text,
  decided_at       timestamptz,
  decision_note    text,
  CHECK ((status = 'PENDING') = (decided_by IS NULL)),
  CHECK ((decided_by IS NULL) = (decided_at IS NULL)),
  CHECK (status <> 'REJECTED' OR decision_note IS NOT NULL),
  -- Four eyes: whoever asked does not decide.
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);

-- The supervisor's queue: an office's pending requests, oldest first; and a handover's requests.
CREATE INDEX approval_requests_queue ON approval_requests (office, status, requested_at, id);
CREATE INDEX approval_requests_handover ON approval_requests (handover_id);
-- One pending request per handover and step: asking again while one waits is answered with that one.
CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (handover_id, step) WHERE status = 'PENDING';

-- The app's role asks (insert) and decides (update of a pending request); a request is never deleted.
GRANT SELECT, INSERT, UPDATE ON approval_requests TO tqdt_app;
