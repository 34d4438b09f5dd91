-- Notices raised for an office by background work (e.g. a handover past its time limit that has not
-- arrived: the departure office must open a verification). One notice per (kind, record): the overdue
-- scan may run again after a failover without raising it twice.
CREATE TABLE notices (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  office       text NOT NULL,
  kind         text NOT NULL,
  entity_type  text NOT NULL,
  entity_id    text NOT NULL,
  message      text NOT NULL,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Millisecond precision: the keyset cursor carries a JavaScript time, which has no microseconds.
  created_at   timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  UNIQUE (kind, entity_type, entity_id)
);
CREATE INDEX notices_office_created ON notices (office, created_at DESC, id DESC);
