// The audit log's Merkle tree, as Certificate Transparency defines it (RFC 9162 §2.1; the same
// hashes as RFC 6962): leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right), a tree of n
// leaves splits at the largest power of two below n. Inclusion and consistency proofs follow the
// RFC's algorithms word for word, so any independent CT verifier checks them too. Pure and
// synchronous: where the hashes come from (database, memory) is the caller's.
//
// Tree sizes go beyond 2³¹, where JavaScript's bit operators wrap: arithmetic only, no bit operators.
import { createHash } from 'node:crypto'

export function leafHash(data: Buffer | string): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(data).digest()
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest()
}

/** SHA-256 of nothing: the root of the empty tree. */
export const EMPTY_ROOT = createHash('sha256').digest()

const isOdd = (n: number) => n % 2 === 1
const half = (n: number) => Math.floor(n / 2)

/** The largest power of two strictly below n (n ≥ 2). */
function splitOf(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

const isPowerOfTwo = (n: number) => n >= 1 && splitOf(n + 1) === n

/**
 * The hash of a perfect subtree: 2^level leaves starting at leaf index × 2^level. Where it comes from
 * is the caller's (a stored node, or computed from leaf hashes).
 */
export interface PerfectSubtrees {
  hash(level: number, index: number): Buffer
}

/** MTH(D[a:b]) for a range whose start is aligned to a power of two not below its length, as every range of the proofs is. */
function rangeHash(tree: PerfectSubtrees, a: number, b: number): Buffer {
  const n = b - a
  if (n < 1) throw new Error(`empty range ${a}..${b}`)
  if (isPowerOfTwo(n) && a % n === 0) return tree.hash(Math.log2(n), a / n)
  const k = splitOf(n)
  return nodeHash(rangeHash(tree, a, a + k), rangeHash(tree, a + k, b))
}

/** PATH(m, D[a:b]) of RFC 9162 §2.1.3.1, deepest sibling first. */
function path(tree: PerfectSubtrees, m: number, a: number, b: number): Buffer[] {
  const n = b - a
  if (n <= 1) return []
  const k = splitOf(n)
  return m < k
    ? [...path(tree, m, a, a + k), rangeHash(tree, a + k, b)]
    : [...path(tree, m - k, a + k, b), rangeHash(tree, a, a + k)]
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(tree: PerfectSubtrees, index: number, size: number): Buffer[] {
  if (!(index >= 0 && index < size)) throw new Error(`leaf ${index} is not in a tree of ${size}`)
  return path(tree, index, 0, size)
}

/** SUBPROOF(m, D[a:b], complete) of RFC 9162 §2.1.4.1. */
function subproof(tree: PerfectSubtrees, m: number, a: number, b: number, complete: boolean): Buffer[] {
  const n = b - a
  if (m === n) return complete ? [] : [rangeHash(tree, a, b)]
  const k = splitOf(n)
  return m <= k
    ? [...subproof(tree, m, a, a + k, complete), rangeHash(tree, a + k, b)]
    : [...subproof(tree, m - k, a + k, b, false), rangeHash(tree, a, a + k)]
}

/** The consistency proof from the tree of `first` leaves to the tree of `second` (0 < first ≤ second). */
export function consistencyProof(tree: PerfectSubtrees, first: number, second: number): Buffer[] {
  if (!(first > 0 && first <= second)) throw new Error(`no consistency proof from ${first} to ${second}`)
  return first === second ? [] : subproof(tree, first, 0, second, true)
}

/** RFC 9162 §2.1.3.2: does `proof` put leaf `leaf` at `index` of the tree of `size` whose root is `root`? */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): boolean {
  if (!(index >= 0 && index < size)) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) return false
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r)
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && r.equals(root)
}

/** RFC 9162 §2.1.4.2: is the tree of `second` leaves (root2) an extension of the tree of `first` (root1)? */
export function verifyConsistency(first: number, second: number, root1: Buffer, root2: Buffer, proof: Buffer[]): boolean {
  if (!(first > 0 && first <= second)) return false
  if (first === second) return proof.length === 0 && root1.equals(root2)
  const path = isPowerOfTwo(first) ? [root1, ...proof] : [...proof]
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
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0
}

/**
 * The right edge of a growing tree: the roots of its perfect subtrees, largest first (one per set bit
 * of the size). Appending a leaf merges equal-sized subtrees; `onNode` hears of every perfect subtree
 * completed on the way (level ≥ 1), which is what a store of interior nodes keeps.
 */
export class CompactRange {
  size: number
  readonly nodes: Buffer[]

  constructor(size = 0, nodes: Buffer[] = []) {
    this.size = size
    this.nodes = [...nodes]
  }

  append(leaf: Buffer, onNode?: (level: number, index: number, hash: Buffer) => void): void {
    let hash = leaf
    let level = 0
    let index = this.size
    let n = this.size
    while (isOdd(n)) {
      const left = this.nodes.pop()
      if (!left) throw new Error('the compact range does not match its size')
      hash = nodeHash(left, hash)
      level++
      index = half(index)
      onNode?.(level, index, hash)
      n = half(n)
    }
    this.nodes.push(hash)
    this.size++
  }

  /** MTH of the whole tree so far (right fold of the edge: RFC 9162's split at the largest power of two). */
  root(): Buffer {
    if (this.nodes.length === 0) return EMPTY_ROOT
    let r = this.nodes[this.nodes.length - 1] as Buffer
    for (let i = this.nodes.length - 2; i >= 0; i--) r = nodeHash(this.nodes[i] as Buffer, r)
    return r
  }
}

/** MTH of a list of leaf hashes (tests and small trees). */
export function rootOf(leaves: Buffer[]): Buffer {
  const range = new CompactRange()
  for (const leaf of leaves) range.append(leaf)
  return range.root()
}

/** Perfect subtrees over leaf hashes held in memory (tests, offline verification). */
export function subtreesOf(leaves: Buffer[]): PerfectSubtrees {
  const memo = new Map<string, Buffer>()
  const hash = (level: number, index: number): Buffer => {
    if (level === 0) {
      const leaf = leaves[index]
      if (!leaf) throw new Error(`no leaf ${index}`)
      return leaf
    }
    const key = `${level}:${index}`
    let h = memo.get(key)
    if (!h) {
      h = nodeHash(hash(level - 1, index * 2), hash(level - 1, index * 2 + 1))
      memo.set(key, h)
    }
    return h
  }
  return { hash }
}
