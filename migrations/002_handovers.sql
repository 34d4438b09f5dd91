-- Goods handovers under customs supervision (biên bản bàn giao hàng hóa, BBBG).
-- Sized for 10^7 handovers: every search filter has an index, and the lists that officers open all
-- day (an office's handovers newest first, an office's overdue list) are served by an ordered index
-- scan that stops at the page size instead of sorting an office's whole history.

-- Per office and year counter behind the human-readable number BBBG-<office>-<year>-<seq>. The
-- increment is an upsert on one row, so its row lock (held to COMMIT) serialises creators of one
-- office only, and a rolled-back create gives its number back.
CREATE TABLE handover_number_sequences (
  office      text NOT NULL,
  year        integer NOT NULL,
  last_value  integer NOT NULL,
  PRIMARY KEY (office, year)
);

CREATE TABLE handovers (
  id                        uuid PRIMARY KEY,
  handover_number           text NOT NULL UNIQUE,
  status                    text NOT NULL CHECK (status IN (
                              'HANDED_OVER', 'ARRIVED', 'ARRIVED_WITH_DISCREPANCY', 'CLOSED', 'OVERDUE',
                              'UNDER_VERIFICATION', 'RESOLVED', 'VIOLATION', 'CANCELLED')),
  version                   integer NOT NULL DEFAULT 1,
  departure_office          text NOT NULL,
  departure_place           text,
  destination_office        text NOT NULL,
  destination_place         text NOT NULL,
  declaration_numbers       text[] NOT NULL CHECK (cardinality(declaration_numbers) >= 1),
  vehicle                   text NOT NULL,
  route                     text NOT NULL,
  declarant_name            text,
  handed_over_at            timestamptz NOT NULL,
  due_at                    timestamptz NOT NULL CHECK (due_at > handed_over_at),
  handed_over_by            text NOT NULL,
  origin                    text NOT NULL CHECK (origin IN ('online', 'paper')),
  entered_by                text NOT NULL,
  -- Number printed on the paper form 10/BBBG/GSQL; with content_hash it recognises a re-entry.
  paper_number              text,
  content_hash              text,
  overdue_at                timestamptz,
  closed_at                 timestamptz,
  closed_by                 text,
  cancelled_at              timestamptz,
  cancelled_by              text,
  cancel_reason             text,
  verification_opened_at    timestamptz,
  verification_opened_by    text,
  verification_note         text,
  verification_outcome      text CHECK (verification_outcome IN ('RESOLVED', 'VIOLATION')),
  verification_explanation  text,
  verification_decided_at   timestamptz,
  verification_decided_by   text,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  CHECK ((origin = 'paper') = (paper_number IS NOT NULL))
);

-- The natural key of a paper handover: re-entering the same form never makes a second record.
CREATE UNIQUE INDEX handovers_paper_number ON handovers (departure_office, paper_number) WHERE paper_number IS NOT NULL;

-- Lists of one office, newest first (keyset on handed_over_at desc, id desc). An office is either end
-- of a handover, so the search runs one ordered branch per end and merges them.
CREATE INDEX handovers_departure_time ON handovers (departure_office, handed_over_at DESC, id DESC);
CREATE INDEX handovers_destination_time ON handovers (destination_office, handed_over_at DESC, id DESC);
-- Admins search across offices.
CREATE INDEX handovers_time ON handovers (handed_over_at DESC, id DESC);
CREATE INDEX handovers_status_time ON handovers (status, handed_over_at DESC, id DESC);
-- A declaration has one or a few handovers: the GIN posting list is tiny.
CREATE INDEX handovers_declaration_numbers ON handovers USING gin (declaration_numbers);

-- Open handovers are a small fraction of all: the overdue list and the overdue scan read partial
-- indexes that stay small however long the history grows.
CREATE INDEX handovers_open_departure ON handovers (departure_office, due_at, id)
  WHERE status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION');
CREATE INDEX handovers_open_destination ON handovers (destination_office, due_at, id)
  WHERE status IN ('HANDED_OVER', 'OVERDUE', 'UNDER_VERIFICATION');
CREATE INDEX handovers_due_handed_over ON handovers (due_at, id) WHERE status = 'HANDED_OVER';

-- Containers with their seals; the seal state and replacement seal are written on arrival.
CREATE TABLE handover_containers (
  handover_id       uuid NOT NULL REFERENCES handovers (id),
  position          smallint NOT NULL,
  container_number  text NOT NULL,
  carrier_seal      text NOT NULL,
  customs_seal      text NOT NULL,
  seal_state        text CHECK (seal_state IN ('intact', 'broken', 'replaced')),
  new_seal_number   text,
  PRIMARY KEY (handover_id, position),
  UNIQUE (handover_id, container_number),
  CHECK ((seal_state = 'replaced') = (new_seal_number IS NOT NULL))
);
CREATE INDEX handover_containers_number ON handover_containers (container_number);
CREATE INDEX handover_containers_carrier_seal ON handover_containers (carrier_seal);
CREATE INDEX handover_containers_customs_seal ON handover_containers (customs_seal);
CREATE INDEX handover_containers_new_seal ON handover_containers (new_seal_number) WHERE new_seal_number IS NOT NULL;

-- Goods that cannot be sealed in a container.
CREATE TABLE handover_goods_lines (
  handover_id  uuid NOT NULL REFERENCES handovers (id),
  position     smallint NOT NULL,
  description  text NOT NULL,
  quantity     numeric NOT NULL CHECK (quantity > 0),
  unit         text NOT NULL,
  marks        text,
  PRIMARY KEY (handover_id, position)
);

-- The destination office's record of arrival (one per handover).
CREATE TABLE handover_receipts (
  handover_id    uuid PRIMARY KEY REFERENCES handovers (id),
  received_at    timestamptz NOT NULL,
  received_by    text NOT NULL,
  entered_by     text NOT NULL,
  origin         text NOT NULL CHECK (origin IN ('online', 'paper')),
  discrepancies  jsonb NOT NULL DEFAULT '[]',
  note           text,
  -- Recognises a re-entered paper receipt (identical content) as opposed to a second, different one.
  content_hash   text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
