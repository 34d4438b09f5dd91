// The real k6, pinned, built with `go install` into a cache folder outside the repository: the drills,
// the benchmarks and `npm run workload` all run this one binary. Idempotent: a cached binary that
// reports the pinned version is reused, anything else is rebuilt; on a fresh machine this downloads
// the modules from the Go module proxy and builds from scratch (a few minutes on 2 cores).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** Settings: K6_VERSION overrides the pin (a trial of a newer k6), TQDT_CACHE_DIR the cache folder. */
const K6_VERSION = process.env.K6_VERSION || 'v1.8.1'
const CACHE_DIR = process.env.TQDT_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tqdt')

export interface K6Binary {
  path: string
  /** The first line of `k6 version`, for run records. */
  version: string
}

function versionOf(path: string): string | null {
  if (!existsSync(path)) return null
  const res = spawnSync(path, ['version'], { encoding: 'utf8' })
  return res.status === 0 ? (res.stdout ?? '').split('\n')[0].trim() : null
}

/** A recent Go (Debian's golang package is too old for k6): on PATH, or where the Go tarball puts it. */
function goToolchain(): string {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) if (existsSync(join(dir, 'go'))) return join(dir, 'go')
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go'
  throw new Error(`no Go toolchain found: k6 ${K6_VERSION} is built with a recent Go (Debian's golang package is too old)`)
}

/** Builds k6 when the cache does not hold the pinned version; returns the binary. */
export async function ensureK6(onProgress: (line: string) => void): Promise<K6Binary> {
  const target = join(CACHE_DIR, `k6-${K6_VERSION}`)
  const binary = join(target, 'k6')
  const cached = versionOf(binary)
  if (cached?.startsWith(`k6 ${K6_VERSION} `)) return { path: binary, version: cached }
  const go = goToolchain()
  const goVersion = spawnSync(go, ['version'], { encoding: 'utf8' }).stdout?.split(' ')[2] ?? 'go'
  onProgress(`building k6 ${K6_VERSION} with ${goVersion} (the first build takes a few minutes on 2 cores)`)
  mkdirSync(target, { recursive: true })
  const build = mkdtempSync(join(target, '.build.'))
  const started = Date.now()
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      // CGO off: a static binary that does not care which libc the next machine has. GOFLAGS=-mod=mod
      // so a go.work or vendor folder above never interferes; GOTOOLCHAIN=local: no toolchain download.
      const child = spawn(go, ['install', '-trimpath', `go.k6.io/k6@${K6_VERSION}`], {
        cwd: build,
        env: { ...process.env, CGO_ENABLED: '0', GOBIN: build, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
        stdio: ['ignore', 'inherit', 'inherit'],
      })
      // `go install` is silent for minutes while it compiles: show that it is alive.
      const alive = setInterval(() => onProgress(`still building k6 (${Math.round((Date.now() - started) / 1000)} s)`), 15_000)
      child.on('error', reject)
      child.on('exit', (c) => {
        clearInterval(alive)
        resolve(c)
      })
    })
    if (code !== 0) throw new Error(`go install go.k6.io/k6@${K6_VERSION} failed (exit ${code}): see its output above`)
    // Replaced by a rename: a concurrent run never sees a half-written binary.
    renameSync(join(build, 'k6'), binary)
  } finally {
    rmSync(build, { recursive: true, force: true })
  }
  const built = versionOf(binary)
  if (!built?.startsWith(`k6 ${K6_VERSION} `)) throw new Error(`the built k6 does not report ${K6_VERSION}: ${built ?? 'no version'}`)
  onProgress(`built ${built} in ${Math.round((Date.now() - started) / 1000)} s → ${binary}`)
  return { path: binary, version: built }
}
