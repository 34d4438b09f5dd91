// The second store of signed checkpoints, outside PostgreSQL: a directory on each app host, written
// by the app's own user, that the database and its OS user cannot write (docs/operations/audit.md
// says why this store and not etcd or the backup repository). Every app node copies each new
// checkpoint from the database into its own directory after checking its signature, so one
// checkpoint lives on every app host; a rewritten or deleted checkpoint in PostgreSQL then disagrees
// with every copy. The file only grows: one JSON line per checkpoint, appended and fsynced.
import { mkdir, open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { KeyObject } from 'node:crypto'
import type { Queryable } from '../db/database.ts'
import { checkpointsAfter } from '../db/audit-seal-repository.ts'
import { checkpointJson, checkSignature, type CheckpointJson } from './audit-checkpoint.ts'

export const CHECKPOINT_FILE = 'checkpoints.jsonl'

export interface CheckpointStore {
  /** Where it is, for reports (the directory). */
  readonly name: string
  read(): Promise<CheckpointJson[]>
  append(checkpoints: CheckpointJson[]): Promise<void>
}

export function directoryStore(dir: string): CheckpointStore {
  const file = join(dir, CHECKPOINT_FILE)
  return {
    name: dir,
    async read() {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as CheckpointJson)
    },
    async append(checkpoints) {
      if (checkpoints.length === 0) return
      // Only this app's user may write here: the database's OS user must not be able to edit the copies.
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const handle = await open(file, 'a', 0o600)
      try {
        await handle.writeFile(checkpoints.map((c) => `${JSON.stringify(c)}\n`).join(''))
        await handle.sync()
      } finally {
        await handle.close()
      }
    },
  }
}

export interface ExportResult {
  exported: number
  /** A checkpoint in the database whose signature does not check: never copied; an attack or a key mix-up. */
  rejected: Array<{ treeSize: number; problem: string }>
}

/**
 * Copies the database's checkpoints newer than the store's last one into the store, oldest first,
 * each only if its signature checks with a trusted key. Stops at the first one that does not: the
 * store never holds a checkpoint signed by no one, nor one after it.
 */
export class CheckpointExporter {
  private last: number | null = null
  private readonly store: CheckpointStore
  private readonly logName: string
  private readonly keys: ReadonlyMap<string, KeyObject>

  constructor(store: CheckpointStore, logName: string, keys: ReadonlyMap<string, KeyObject>) {
    this.store = store
    this.logName = logName
    this.keys = keys
  }

  async run(q: Queryable, batch = 500): Promise<ExportResult> {
    this.last ??= Math.max(0, ...(await this.store.read()).map((c) => c.treeSize))
    const result: ExportResult = { exported: 0, rejected: [] }
    for (;;) {
      const found = await checkpointsAfter(q, this.last, batch)
      const good: CheckpointJson[] = []
      for (const c of found) {
        const check = checkSignature(this.logName, this.keys, c)
        if (check !== 'VALID') {
          result.rejected.push({ treeSize: c.treeSize, problem: check })
          break
        }
        good.push(checkpointJson(this.logName, c))
      }
      await this.store.append(good)
      result.exported += good.length
      const newest = good[good.length - 1]
      if (newest) this.last = newest.treeSize
      if (result.rejected.length > 0 || found.length < batch) return result
    }
  }
}
