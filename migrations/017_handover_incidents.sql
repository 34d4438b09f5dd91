-- En-route incidents of a handover (issue 17, item 4: sự cố trên đường vận chuyển): a customs seal cut
-- and replaced by a new one, the goods transshipped to another vehicle, the vehicle changed. Recorded
-- by an officer of the office where it happened — any office along the route, not only the two ends —
-- while the goods are on the road. Each makes the handover's next version; what it changed on the
-- handover (the container's customs seal, the vehicle) is changed there, and what it replaced (the
-- old seal, the old vehicle) is kept here, so the destination checks against the new seal and the
-- history still shows the old one. The audit trail holds the same incident with the handover before
-- and after.
CREATE TABLE handover_incidents (
  handover_id       uuid NOT NULL REFERENCES handovers (id),
  -- The version of the handover the incident made.
  version           integer NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('SEAL_REPLACED', 'TRANSSHIPPED', 'VEHICLE_CHANGED')),
  occurred_at       timestamptz NOT NULL,
  place             text NOT NULL CHECK (place <> ''),
  -- The office where it happened, whose officer recorded it (the recorder's own office).
  office            text NOT NULL,
  recorded_by       text NOT NULL,
  recorded_at       timestamptz NOT NULL,
  reason            text NOT NULL CHECK (reason <> ''),
  note              text,
  -- [{containerNumber, oldSeal, newSeal}]: the customs seals replaced (SEAL_REPLACED; a transshipment
  -- may re-seal too). Empty when no seal changed.
  seals             jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- The vehicle before and after (TRANSSHIPPED, VEHICLE_CHANGED).
  previous_vehicle  text,
  vehicle           text,
  -- The containers moved to the other vehicle (TRANSSHIPPED); empty when the goods moved whole.
  container_numbers text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (handover_id, version),
  CHECK ((kind = 'SEAL_REPLACED') = (vehicle IS NULL)),
  CHECK ((vehicle IS NULL) = (previous_vehicle IS NULL)),
  CHECK (kind <> 'SEAL_REPLACED' OR jsonb_array_length(seals) > 0)
);

-- The app's role appends incidents and reads them, nothing else: an incident recorded is a fact, and
-- a wrong one is answered by another incident or an amendment, never by rewriting it.
GRANT SELECT, INSERT ON handover_incidents TO tqdt_app;
