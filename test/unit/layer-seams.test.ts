// The seam between the layers runs one way (docs/architecture.md, "Layers"): routes → services →
// db, with domain/ (types and refusals) and schemas/ (request shapes) below all of them. This test
// reads every import of src/ with the TypeScript parser and fails on a violation: db/ importing
// services/, a service importing routes/, plugins/ or Fastify, a service speaking HTTP (a status
// code, the HTTP error type). Each rule is first shown to catch a planted violation.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'

const SRC = resolve(import.meta.dirname, '../../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** The layer of a file: its first folder under src/ (or the file itself at the top). */
const layerOf = (file: string) => relative(SRC, file).split('/')[0] as string

interface Violation {
  file: string
  rule: string
  detail: string
}

/** What a module imports, resolved to a layer when it is inside src/, else the package name. */
function importsOf(file: string, text: string): Array<{ target: string; layer: string | null }> {
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) return { target: fileName, layer: null }
    const target = resolve(join(file, '..'), fileName)
    return { target, layer: target.startsWith(`${SRC}/`) ? layerOf(target) : 'outside' }
  })
}

const FORBIDDEN_IMPORTS: Record<string, string[]> = {
  domain: ['db', 'services', 'routes', 'plugins', 'jobs', 'schemas', 'errors.ts', 'app.ts', 'config.ts'],
  schemas: ['db', 'services', 'routes', 'plugins', 'jobs', 'errors.ts', 'app.ts'],
  db: ['services', 'routes', 'plugins', 'jobs', 'schemas', 'errors.ts', 'app.ts'],
  services: ['routes', 'plugins', 'jobs', 'errors.ts', 'app.ts'],
  jobs: ['routes', 'plugins'],
}

// An HTTP status as a value (`status: 201`, `statusCode`), or the HTTP layer's error type.
const HTTP_IN_SERVICE = [/\bstatus(Code)?\s*:\s*[1-5]\d\d\b/, /\bstatusCode\b/, /\bAppError\b/, /\breply\b\s*\./]

function violationsOf(file: string, text: string): Violation[] {
  const layer = layerOf(file)
  const found: Violation[] = []
  for (const { target, layer: to } of importsOf(file, text)) {
    if (to === null) {
      if (['domain', 'db', 'services', 'schemas'].includes(layer) && /^(fastify|@fastify\/|fastify-plugin)/.test(target)) {
        found.push({ file, rule: `${layer}/ imports no web framework`, detail: target })
      }
      continue
    }
    if ((FORBIDDEN_IMPORTS[layer] ?? []).includes(to)) found.push({ file, rule: `${layer}/ does not import ${to}`, detail: relative(SRC, target) })
  }
  if (layer === 'services') {
    for (const pattern of HTTP_IN_SERVICE) {
      const match = pattern.exec(text)
      if (match) found.push({ file, rule: 'a service speaks no HTTP', detail: match[0] })
    }
  }
  return found
}

t.test('each rule catches a planted violation', async (t) => {
  const at = (path: string) => join(SRC, path)
  t.match(violationsOf(at('db/x-repository.ts'), "import { f } from '../services/x-service.ts'"), [{ rule: 'db/ does not import services' }])
  t.match(violationsOf(at('services/x-service.ts'), "import type { FastifyInstance } from 'fastify'"), [{ rule: 'services/ imports no web framework' }])
  t.match(violationsOf(at('services/x-service.ts'), "import { r } from '../routes/write-door.ts'"), [{ rule: 'services/ does not import routes' }])
  t.match(violationsOf(at('services/x-service.ts'), "import { AppError } from '../errors.ts'"), [{ rule: 'services/ does not import errors.ts' }])
  t.match(violationsOf(at('services/x-service.ts'), 'return { status: 201, body }'), [{ rule: 'a service speaks no HTTP' }])
  t.match(violationsOf(at('domain/x.ts'), "import { q } from '../db/database.ts'"), [{ rule: 'domain/ does not import db' }])
  t.same(violationsOf(at('services/x-service.ts'), "import { conflict } from '../domain/errors.ts'\nconst s = { kind: 'created' }"), [])
})

t.test('src/ keeps the seam', async (t) => {
  const files = sourceFiles(SRC)
  t.ok(files.length > 50, `read ${files.length} files`)
  const violations = files.flatMap((file) => violationsOf(file, readFileSync(file, 'utf8')))
  t.same(violations.map((v) => `${relative(SRC, v.file)}: ${v.rule} (${v.detail})`), [], 'no violation')
})
