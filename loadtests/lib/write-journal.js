// The journal: one JSON line per request and one per acknowledged write, written with console.log
// and sent to a file by `k6 run --console-output=<file> --log-format=raw`. k6 cannot write files
// from a test; console lines are appended as they happen, so a journal survives a k6 that was
// killed mid-run (handleSummary would not). The drill runner and the checker read it
// (chaos/verify/journal.ts):
//
//   {"t":"req","kind":"handover.create","op":"write","start":<ms>,"ms":<duration>,"status":201,"code":null,"error":null,"key":"<Idempotency-Key>"}
//   … with "resent":[{"status":0,"code":null,"error":"no answer yet (left open)","ms":10000}] when the
//   client sent it more than once (officer-api.js): every attempt but the one whose answer decided,
//   in the order sent, and "first": what the first attempt got (why the others were sent; it may be
//   the deciding one, only slow); start is the first attempt's and ms runs from it, as the officer waited.
//   {"t":"ack","kind":"handover.create","caller":"<officer id>","key":"<Idempotency-Key>","id":"<entity id>","at":<ms>,"expect":{...}}
//   {"t":"late","kind":"handover.create","op":"write","start":<ms>,"ms":<duration>,"end":<ms>,"status":503,"code":"DATABASE_UNAVAILABLE","error":null,"key":"<Idempotency-Key>"}
//   … the answer an attempt left open got after its request was decided (start: when that attempt
//   was sent): the officer no longer waits for it, but the service still answered it, and the drill
//   judges that answer too. A write's lines carry its Idempotency-Key, so a late answer is tied to the
//   request it belongs to (and to its ack line, when it was acknowledged).
//
// An ack line is written only for a 2xx answer that carries the entity's id: exactly the writes a
// client was told are done, which must all be found in the database afterwards.

/** An answer as the journal records it: status, the API's error code, k6's transport error. */
function answerOf(res) {
  let code = null
  if (res.status >= 400) {
    try {
      code = res.json('code') ?? null
    } catch {
      code = null
    }
  }
  // k6's transport error (timeout, reset, refused) when there was no HTTP answer at all.
  return { status: res.status, code, error: res.status === 0 ? String(res.error || res.error_code || 'no response') : null }
}

export function journalRequest(kind, op, start, end, res, resent = [], first = null, key = null) {
  console.log(
    JSON.stringify({
      t: 'req',
      kind,
      op,
      start,
      // By the clock from the first sending to the deciding answer: what the officer waited, the
      // connection and TLS handshake included (k6's timings.duration leaves them out).
      ms: end - start,
      end,
      ...answerOf(res),
      ...(resent.length ? { resent, first } : {}),
      ...(key ? { key } : {}),
    }),
  )
}

/** The answer of an attempt that was still open when its request was decided, once it comes. */
export function journalLate(kind, op, sentAt, end, res, key = null) {
  console.log(JSON.stringify({ t: 'late', kind, op, start: sentAt, ms: end - sentAt, end, ...answerOf(res), ...(key ? { key } : {}) }))
}

export function journalAck(kind, caller, key, id, expect = {}) {
  console.log(JSON.stringify({ t: 'ack', kind, caller, key, id, at: Date.now(), expect }))
}
