-- A supervisor of the destination office corrects a recorded receipt (issue 17, item 1: "receipt
-- correction only with a supervisor's approval"): the app's role updates the receipt's time,
-- discrepancies and note in place; the correction itself is a handover_amendments row
-- (kind receipt_correction) and an audit entry, so what the receipt said before is kept there.
GRANT UPDATE ON handover_receipts TO tqdt_app;
