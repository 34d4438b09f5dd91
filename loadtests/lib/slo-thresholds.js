// The service's SLOs as k6 thresholds: a run that breaks one fails (k6 exits 99).
// Reads must never stall (they go to a replica); writes may take up to the failover ride-through
// only while a failover is happening, so in normal profiles they are held to the same scale as reads.
//
// Each request is tagged op:read|write and kind:<action>, see officer-api.js.
export const sloThresholds = {
  // Availability: at most 1 request in 1,000 fails (4xx from the workload's own mistakes count too).
  http_req_failed: ['rate<0.001'],
  'http_req_duration{op:read}': ['p(95)<300', 'p(99)<800'],
  'http_req_duration{op:write}': ['p(95)<500', 'p(99)<1500'],
  // Every acknowledged write was recorded; an unrecorded one could not be verified.
  checks: ['rate>0.999'],
}

/**
 * Under a chaos drill the verdict is the drill runner's (it reads the journal and the database);
 * these only stop k6 from calling a drill green on its own while everything failed.
 */
export const drillThresholds = {
  http_req_failed: ['rate<0.5'],
}

export function thresholdsFor(profile) {
  return profile === 'drill' ? drillThresholds : sloThresholds
}
