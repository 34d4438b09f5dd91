-- Indexes behind the daily report of an office (GET /api/v1/reports/daily): every figure of a day is
-- an index range scan on (office, time) instead of a walk over the office's whole history. Events
-- that happen to few handovers (overdue, verification, cancellation) get partial indexes that stay
-- small; receipts and paper declarations, one entry per record, get full ones.
CREATE INDEX handover_receipts_received_at ON handover_receipts (received_at);
CREATE INDEX handovers_departure_overdue ON handovers (departure_office, overdue_at) WHERE overdue_at IS NOT NULL;
CREATE INDEX handovers_departure_cancelled ON handovers (departure_office, cancelled_at) WHERE cancelled_at IS NOT NULL;
CREATE INDEX handovers_departure_verification_opened ON handovers (departure_office, verification_opened_at)
  WHERE verification_opened_at IS NOT NULL;
CREATE INDEX handovers_departure_verification_decided ON handovers (departure_office, verification_decided_at)
  WHERE verification_decided_at IS NOT NULL;
CREATE INDEX paper_declarations_office_entered ON paper_declarations (office, entered_at);
