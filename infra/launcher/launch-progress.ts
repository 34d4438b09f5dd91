// What the launcher's commands print while they work: elapsed-time lines, and bounded waits that say
// what they are waiting for and which log to read when it does not come.
import { sleep } from './process-control.ts'

const t0 = performance.now()
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`

export const say = (msg: string) => console.log(`[${elapsed().padStart(7)}] ${msg}`)

/** A failure the operator can act on: printed as its message alone, without a stack trace. */
export class LaunchError extends Error {}

/**
 * Polls `check` until it returns true; shows what it is waiting for (a rewritten line on a
 * terminal, a line every 5 s otherwise). `check` returns a short description of the current state.
 */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<true | string>, hint: string): Promise<void> {
  const start = performance.now()
  const tty = process.stdout.isTTY
  let last = ''
  let lastPrint = 0
  for (;;) {
    let state: true | string
    try {
      state = await check()
    } catch (err) {
      state = (err as Error).message
    }
    const waited = performance.now() - start
    if (state === true) {
      if (tty) process.stdout.write('\r\x1b[K')
      say(`${what}: ready after ${(waited / 1000).toFixed(1)} s`)
      return
    }
    last = state
    if (waited > timeoutMs) {
      if (tty) process.stdout.write('\n')
      throw new LaunchError(`${what}: not ready after ${(timeoutMs / 1000).toFixed(0)} s (${last}). Read ${hint}`)
    }
    if (tty) process.stdout.write(`\r\x1b[K  … waiting for ${what} (${(waited / 1000).toFixed(1)} s): ${last.slice(0, 90)}`)
    else if (waited - lastPrint > 5000) {
      lastPrint = waited
      say(`  … waiting for ${what}: ${last}`)
    }
    await sleep(250)
  }
}
