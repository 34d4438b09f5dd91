-- Gate confirmations (xác nhận hàng qua khu vực giám sát, KVGS): the eligible list of a declaration
-- (containers and/or bulk lots) and the officers' confirmations that goods actually passed.

CREATE TABLE gate_declarations (
  declaration_number       text PRIMARY KEY,
  office                   text NOT NULL,          -- supervising office (chi cục giám sát)
  location_code            text NOT NULL,          -- MaDDGS
  trader_name              text NOT NULL,
  trader_tax_code          text NOT NULL,
  status                   text NOT NULL,
  declaration_date         date NOT NULL,
  procedure_type           text NOT NULL,
  channel                  smallint NOT NULL CHECK (channel IN (1, 2, 3)),
  goods_management_number  text,
  -- sha256 of the canonical list content: a re-PUT of the same list is recognised as a no-op
  content_hash             text NOT NULL,
  registered_at            timestamptz NOT NULL,
  registered_by            text NOT NULL,
  updated_at               timestamptz NOT NULL,
  updated_by               text NOT NULL
);
CREATE INDEX gate_declarations_office ON gate_declarations (office);

CREATE TABLE gate_containers (
  declaration_number  text NOT NULL REFERENCES gate_declarations,
  container_number    text NOT NULL,
  position            integer NOT NULL,
  carrier_seal        text,                        -- NULL = none ("#####" on the form)
  customs_seal        text,
  PRIMARY KEY (declaration_number, container_number)
);

CREATE TABLE gate_lots (
  declaration_number  text NOT NULL REFERENCES gate_declarations,
  lot_number          text NOT NULL,
  position            integer NOT NULL,
  description         text NOT NULL,
  quantity            numeric NOT NULL CHECK (quantity > 0),
  quantity_unit       text NOT NULL,
  total_weight        numeric NOT NULL CHECK (total_weight > 0),
  weight_unit         text NOT NULL,
  -- Running totals of the active confirmations, changed only under this row's lock. The CHECK is
  -- the last line of defence for "never beyond the total" should a code path forget the lock.
  quantity_passed     numeric NOT NULL DEFAULT 0 CHECK (quantity_passed >= 0 AND quantity_passed <= quantity),
  weight_passed       numeric NOT NULL DEFAULT 0 CHECK (weight_passed >= 0),
  PRIMARY KEY (declaration_number, lot_number)
);

-- Confirmations reference their entry by natural key, not by a foreign key to the entry row: an
-- unconfirmed entry may be removed from the list later while its cancelled confirmations stay.
CREATE TABLE gate_confirmations (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  declaration_number  text NOT NULL REFERENCES gate_declarations,
  office              text NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('container', 'lot')),
  entry_ref           text NOT NULL,               -- container number or lot number
  carrier_seal        text,                        -- the container's seals when it passed
  customs_seal        text,
  quantity            numeric CHECK (quantity > 0),
  weight              numeric CHECK (weight > 0),
  passed_at           timestamptz NOT NULL,
  officer_id          text NOT NULL,               -- who confirmed (for paper: the officer on the form)
  entered_by          text NOT NULL,
  origin              text NOT NULL CHECK (origin IN ('online', 'paper')),
  paper_reference     text,
  recorded_at         timestamptz NOT NULL,
  status              text NOT NULL DEFAULT 'CONFIRMED' CHECK (status IN ('CONFIRMED', 'CANCELLED')),
  cancel_reason       text,
  cancelled_at        timestamptz,
  cancelled_by        text,
  cancel_origin       text,
  cancel_recorded_at  timestamptz,
  CHECK ((kind = 'lot') = (quantity IS NOT NULL)),
  CHECK ((status = 'CANCELLED') = (cancel_reason IS NOT NULL))
);
-- A container passes once: concurrent confirmations of the same container meet here and the
-- loser's INSERT ... ON CONFLICT DO NOTHING finds the winner's row instead of a second one.
CREATE UNIQUE INDEX gate_confirmations_container_once
  ON gate_confirmations (declaration_number, entry_ref) WHERE kind = 'container' AND status = 'CONFIRMED';
-- A paper form entered twice after an outage is one confirmation (cancelled ones included, so a
-- cancelled paper record is not revived by entering the form again).
CREATE UNIQUE INDEX gate_confirmations_paper_reference
  ON gate_confirmations (declaration_number, kind, entry_ref, paper_reference) WHERE paper_reference IS NOT NULL;
CREATE INDEX gate_confirmations_office_passed ON gate_confirmations (office, passed_at DESC, id DESC);
CREATE INDEX gate_confirmations_passed ON gate_confirmations (passed_at DESC, id DESC);
CREATE INDEX gate_confirmations_declaration ON gate_confirmations (declaration_number, passed_at DESC, id DESC);
CREATE INDEX gate_confirmations_entry ON gate_confirmations (entry_ref, passed_at DESC);
CREATE INDEX gate_confirmations_carrier_seal ON gate_confirmations (carrier_seal) WHERE carrier_seal IS NOT NULL;
CREATE INDEX gate_confirmations_customs_seal ON gate_confirmations (customs_seal) WHERE customs_seal IS NOT NULL;
