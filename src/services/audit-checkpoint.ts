// Signed checkpoints of the audit log: what is signed, with which key, and how anyone holding the
// public key checks it. Ed25519 from node:crypto; the private key is a file of the app's (like the
// JWT secret), PostgreSQL never holds it, so whoever controls the database cannot sign a rewritten log.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'

const CHECKPOINT_FORMAT = 'tqdt-ha audit checkpoint v1'

export interface Checkpoint {
  treeSize: number
  rootHash: Buffer
  signedAt: string
  keyId: string
  signature: Buffer
}

/** The exact bytes that are signed: one field a line, so no two checkpoints can share a text. */
export function checkpointText(logName: string, c: Pick<Checkpoint, 'treeSize' | 'rootHash' | 'signedAt'>): string {
  return `${CHECKPOINT_FORMAT}\n${logName}\n${c.treeSize}\n${c.rootHash.toString('hex')}\n${c.signedAt}\n`
}

/** A key's id: the first 16 hex digits of SHA-256 of its public key (SubjectPublicKeyInfo DER). */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)
}

export interface SigningKey {
  key: KeyObject
  keyId: string
}

export function loadSigningKey(file: string): SigningKey {
  const key = createPrivateKey(readFileSync(file))
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: the audit signing key must be Ed25519, not ${key.asymmetricKeyType}`)
  return { key, keyId: keyIdOf(key) }
}

/** Public keys by id, from a file of one or more PEM "PUBLIC KEY" blocks (the current key and every retired one). */
export function loadTrustedKeys(file: string): Map<string, KeyObject> {
  const blocks = readFileSync(file, 'utf8').match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []
  if (blocks.length === 0) throw new Error(`${file}: no PEM public key in it`)
  return new Map(blocks.map((pem) => {
    const key = createPublicKey(pem)
    return [keyIdOf(key), key]
  }))
}

export function signCheckpoint(logName: string, signer: SigningKey, c: Pick<Checkpoint, 'treeSize' | 'rootHash' | 'signedAt'>): Checkpoint {
  return { ...c, keyId: signer.keyId, signature: sign(null, Buffer.from(checkpointText(logName, c)), signer.key) }
}

export type SignatureCheck = 'VALID' | 'UNKNOWN_KEY' | 'SIGNATURE_INVALID'

export function checkSignature(logName: string, keys: ReadonlyMap<string, KeyObject>, c: Checkpoint): SignatureCheck {
  const key = keys.get(c.keyId)
  if (!key) return 'UNKNOWN_KEY'
  return verify(null, Buffer.from(checkpointText(logName, c)), key, c.signature) ? 'VALID' : 'SIGNATURE_INVALID'
}

/** A checkpoint as JSON: hex hashes, base64 signature (the stores, the outbox, the API). */
export interface CheckpointJson {
  logName: string
  treeSize: number
  rootHash: string
  signedAt: string
  keyId: string
  signature: string
}

export function checkpointJson(logName: string, c: Checkpoint): CheckpointJson {
  return { logName, treeSize: c.treeSize, rootHash: c.rootHash.toString('hex'), signedAt: c.signedAt, keyId: c.keyId, signature: c.signature.toString('base64') }
}

export function checkpointFromJson(j: CheckpointJson): Checkpoint {
  return { treeSize: j.treeSize, rootHash: Buffer.from(j.rootHash, 'hex'), signedAt: j.signedAt, keyId: j.keyId, signature: Buffer.from(j.signature, 'base64') }
}
