// npm run openapi [-- --check]: writes docs/openapi.json from the route schemas; with --check, exits
// non-zero when the checked-in file is not current (CI runs this).
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { buildApp } from '../app.ts'
import { loadConfig } from '../config.ts'

const target = path.resolve(import.meta.dirname, '../../docs/openapi.json')
const check = process.argv.includes('--check')
// Nothing is served: pools connect lazily (the revocation list's first load fails and is logged at a
// silent level), Redis is not configured, and no token is ever checked against this secret.
const app = await buildApp(loadConfig({}, { jwtSecret: randomBytes(32).toString('hex'), logLevel: 'silent', queueEnabled: false, redisSentinels: [], redisUrl: null }), {
  logger: false,
})
await app.ready()
const spec = `${JSON.stringify(app.swagger(), null, 2)}\n`
await app.close()
if (check) {
  const current = await readFile(target, 'utf8').catch(() => '')
  if (current !== spec) {
    console.error('openapi: docs/openapi.json is not current; run `npm run openapi` and commit it')
    process.exit(1)
  }
  console.log('openapi: docs/openapi.json is current')
} else {
  await writeFile(target, spec)
  console.log(`openapi: wrote ${path.relative(process.cwd(), target)}`)
}
