-- Paper declarations (tờ khai giấy, forms HQ/2015/NK and HQ/2015/XK) entered by officers, often
-- after an outage. The paper registration key (office, receipt year, receipt number) is also the
-- record's id, so entering the same paper form twice lands on the same row instead of a second one.

CREATE TABLE paper_declarations (
  id                  text PRIMARY KEY,
  office              text NOT NULL,
  receipt_year        smallint NOT NULL,
  receipt_number      integer NOT NULL CHECK (receipt_number > 0),
  form_type           text NOT NULL CHECK (form_type IN ('import', 'export')),
  -- Assigned later for many paper declarations; one number names one declaration nationally.
  declaration_number  text UNIQUE,
  declarant_name      text NOT NULL,
  tax_code            text NOT NULL,
  procedure_type      text NOT NULL,
  channel             smallint NOT NULL CHECK (channel IN (1, 2, 3)),
  inspection_result   text,
  status              text NOT NULL CHECK (status IN ('REGISTERED', 'RELEASED', 'CLEARED', 'CANCELLED')),
  cancel_reason       text,
  registered_at       timestamptz NOT NULL,
  version             integer NOT NULL DEFAULT 1,
  -- Who made the record and when (the paper's own time and officer for a back-entry) ...
  origin              text NOT NULL CHECK (origin IN ('online', 'paper')),
  recorded_at         timestamptz NOT NULL,
  recorded_by         text NOT NULL,
  -- ... and who typed it in, when; kept apart so a back-entry never rewrites history.
  entered_at          timestamptz NOT NULL,
  entered_by          text NOT NULL,
  updated_at          timestamptz NOT NULL,
  updated_by          text NOT NULL,
  CHECK (id = office || '-' || receipt_year || '-' || receipt_number),
  CHECK ((status = 'CANCELLED') = (cancel_reason IS NOT NULL))
);

-- Keyset pagination of searches: newest registration first, id as the tie-breaker.
CREATE INDEX paper_declarations_office_registered ON paper_declarations (office, registered_at DESC, id DESC);
CREATE INDEX paper_declarations_registered ON paper_declarations (registered_at DESC, id DESC);
CREATE INDEX paper_declarations_tax_code ON paper_declarations (tax_code, registered_at DESC, id DESC);

CREATE TABLE paper_declaration_goods_lines (
  declaration_id  text NOT NULL REFERENCES paper_declarations (id) ON DELETE CASCADE,
  line_no         smallint NOT NULL,
  hs_code         text NOT NULL,
  description     text NOT NULL,
  quantity        numeric(16, 3) NOT NULL CHECK (quantity > 0),
  unit            text NOT NULL,
  value           numeric(20, 4) NOT NULL CHECK (value >= 0),
  currency        text NOT NULL,
  origin_country  text NOT NULL,
  PRIMARY KEY (declaration_id, line_no)
);
