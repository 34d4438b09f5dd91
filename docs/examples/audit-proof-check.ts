// An auditor's offline check of one record's audit trail (docs/operations/audit.md), self-contained:
// Node 24 and node:crypto only, nothing of tqdt-ha's code, no network. Give it the answer of
// GET /api/v1/audit/{entityType}/{entityId} and the file of trusted public keys; optionally, with
// --since, what the auditor kept from an earlier visit (that visit's answer, or its checkpoint alone)
// and the answer of GET /api/v1/audit/consistency?from=N for that checkpoint's N leaves.
//
//   node docs/examples/audit-proof-check.ts trail.json audit-public-keys.pem [--since kept.json consistency.json]
//
// It checks the checkpoint's Ed25519 signature, each entry's leaf hash and its RFC 9162 inclusion proof
// against the checkpoint's root, and with --since that the current tree extends the very tree the
// auditor kept: the proof must start at the kept checkpoint, not merely at some signed one (whoever
// holds the key could sign a rewritten history of the same size and prove the tree extends that).
// Prints one line per check; exits 0 when every check holds, 1 when one fails, 2 on unusable input.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'

interface Checkpoint { logName: string; treeSize: number; rootHash: string; signedAt: string; keyId: string; signature: string }
interface Item { auditId: string; leafIndex: number | null; entry: string; leafHash: string; proof: string[] | null; action?: string }
interface Trail { entityType: string; entityId: string; checkpoint: Checkpoint | null; items: Item[] }
interface Consistency { from: Checkpoint; to: Checkpoint; proof: string[] }

const sha256 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest()
const leafHash = (data: string) => sha256(Buffer.from([0]), Buffer.from(data, 'utf8'))
const nodeHash = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right)
const isOdd = (n: number) => n % 2 === 1
const half = (n: number) => Math.floor(n / 2)

/** The exact signed text: five lines, each ending in a newline. */
const checkpointText = (c: Checkpoint) => `tqdt-ha audit checkpoint v1\n${c.logName}\n${c.treeSize}\n${c.rootHash}\n${c.signedAt}\n`

/** Public keys by id: the first 16 hex digits of SHA-256 of the key's SubjectPublicKeyInfo (DER). */
function trustedKeys(pemFile: string): Map<string, KeyObject> {
  const blocks = readFileSync(pemFile, 'utf8').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []
  return new Map(blocks.map((pem) => {
    const key = createPublicKey(pem)
    return [sha256(key.export({ type: 'spki', format: 'der' })).toString('hex').slice(0, 16), key]
  }))
}

function signatureHolds(c: Checkpoint, keys: Map<string, KeyObject>): string | null {
  const key = keys.get(c.keyId)
  if (!key) return `signed with key ${c.keyId}, which is not in the trusted keys`
  return verify(null, Buffer.from(checkpointText(c)), key, Buffer.from(c.signature, 'base64')) ? null : 'the signature does not verify'
}

/** RFC 9162 §2.1.3.2. */
function inclusionHolds(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  if (!(index >= 0 && index < size)) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) return false
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r)
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && r.equals(root)
}

/** RFC 9162 §2.1.4.2. */
function consistencyHolds(first: number, second: number, root1: Buffer, root2: Buffer, proof: Buffer[]): boolean {
  if (!(first > 0 && first <= second)) return false
  if (first === second) return proof.length === 0 && root1.equals(root2)
  const path = first === 2 ** Math.round(Math.log2(first)) ? [root1, ...proof] : proof
  if (path.length === 0) return false
  let fn = first - 1
  let sn = second - 1
  while (isOdd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0] as Buffer
  let sr = path[0] as Buffer
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0
}

function main(args: string[]): number {
  const since = args.indexOf('--since')
  const [trailFile, keysFile] = since < 0 ? args : args.filter((_, i) => i < since || i > since + 2)
  if (!trailFile || !keysFile || (since >= 0 && (!args[since + 1] || !args[since + 2]))) {
    console.error('usage: node audit-proof-check.ts TRAIL.json PUBLIC-KEYS.pem [--since KEPT.json CONSISTENCY.json]')
    return 2
  }
  const trail = JSON.parse(readFileSync(trailFile, 'utf8')) as Trail
  const keys = trustedKeys(keysFile)
  if (keys.size === 0) {
    console.error(`${keysFile}: no PEM public key in it`)
    return 2
  }
  let failed = 0
  const say = (ok: boolean, line: string) => {
    if (!ok) failed++
    console.log(`${ok ? 'OK  ' : 'FAIL'} ${line}`)
  }
  const c = trail.checkpoint
  if (!c) {
    console.log(`${trail.entityType} ${trail.entityId}: no signed checkpoint yet; nothing can be proven`)
    return 1
  }
  const root = Buffer.from(c.rootHash, 'hex')
  const bad = signatureHolds(c, keys)
  say(bad === null, `checkpoint ${c.logName} of ${c.treeSize} leaves, signed ${c.signedAt} by key ${c.keyId}${bad ? `: ${bad}` : ''}`)
  for (const item of trail.items) {
    const what = `entry ${item.auditId}${item.action ? ` (${item.action})` : ''}`
    const leaf = leafHash(`${item.auditId}\n${item.entry}`)
    if (!leaf.equals(Buffer.from(item.leafHash, 'hex'))) {
      say(false, `${what}: its content does not give the leaf hash it came with`)
      continue
    }
    if (item.proof === null || item.leafIndex === null) {
      console.log(`WAIT ${what}: not sealed into this checkpoint yet (ask again in a few seconds)`)
      continue
    }
    const holds = inclusionHolds(item.leafIndex, c.treeSize, leaf, item.proof.map((p) => Buffer.from(p, 'hex')), root)
    say(holds, `${what}: leaf ${item.leafIndex} is ${holds ? '' : 'NOT '}in the signed tree`)
  }
  if (since >= 0) {
    const keptFile = JSON.parse(readFileSync(args[since + 1] as string, 'utf8')) as Trail | Checkpoint
    const kept = 'treeSize' in keptFile ? keptFile : keptFile.checkpoint
    if (!kept) {
      console.error(`${args[since + 1]}: no checkpoint in it`)
      return 2
    }
    const k = JSON.parse(readFileSync(args[since + 2] as string, 'utf8')) as Consistency
    say(k.from.treeSize === kept.treeSize && k.from.rootHash === kept.rootHash,
      `the consistency proof starts at the checkpoint kept (${kept.treeSize} leaves, signed ${kept.signedAt})`)
    for (const end of [k.from, k.to]) {
      const problem = signatureHolds(end, keys)
      say(problem === null, `checkpoint of ${end.treeSize} leaves (${end.signedAt})${problem ? `: ${problem}` : ' is signed'}`)
    }
    say(k.to.treeSize === c.treeSize && k.to.rootHash === c.rootHash, `the consistency proof ends at this trail's checkpoint (${c.treeSize} leaves)`)
    const holds = consistencyHolds(k.from.treeSize, k.to.treeSize, Buffer.from(k.from.rootHash, 'hex'), Buffer.from(k.to.rootHash, 'hex'), k.proof.map((p) => Buffer.from(p, 'hex')))
    say(holds, `the tree of ${k.to.treeSize} leaves ${holds ? 'extends' : 'does NOT extend'} the tree of ${k.from.treeSize} kept before`)
  }
  console.log(failed === 0 ? 'VERIFIED' : `${failed} CHECK(S) FAILED`)
  return failed === 0 ? 0 : 1
}

process.exitCode = main(process.argv.slice(2))
