-- Revocation of officers' tokens (issue 12). `npm run officer -- --disable ID` sets both columns;
-- `--enable ID` clears disabled_at only, so the tokens issued before the disable stay refused.
-- Every app node reloads the rows with tokens_revoked_before set every few seconds.
ALTER TABLE officers
  ADD COLUMN disabled_at           timestamptz,
  ADD COLUMN tokens_revoked_before timestamptz;

CREATE INDEX officers_revoked_idx ON officers (id) INCLUDE (disabled_at, tokens_revoked_before)
  WHERE tokens_revoked_before IS NOT NULL;
