// The audit log's Merkle tree against the RFC 6962 / RFC 9162 reference vectors (the tree Certificate
// Transparency logs use), and proofs of every leaf and every pair of sizes round-tripping.
import t from 'tap'
import {
  CompactRange,
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  rootOf,
  subtreesOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/services/merkle-tree.ts'

const hex = (b: Buffer) => b.toString('hex')
const unhex = (s: string) => Buffer.from(s, 'hex')

const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex)
const LEAVES = INPUTS.map(leafHash)
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]

t.test('tree heads match the reference roots for every size 0..8', async (t) => {
  t.equal(hex(EMPTY_ROOT), ROOTS[0])
  for (let n = 0; n <= 8; n++) t.equal(hex(rootOf(LEAVES.slice(0, n))), ROOTS[n], `size ${n}`)
})

t.test('inclusion proofs match the reference vectors', async (t) => {
  const tree = subtreesOf(LEAVES)
  t.same(inclusionProof(tree, 0, 8).map(hex), [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ])
  t.same(inclusionProof(tree, 5, 8).map(hex), [
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ])
})

t.test('consistency proofs match the reference vectors', async (t) => {
  const tree = subtreesOf(LEAVES)
  t.same(consistencyProof(tree, 1, 8).map(hex), [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ])
  t.same(consistencyProof(tree, 6, 8).map(hex), [
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ])
  t.same(consistencyProof(tree, 2, 5).map(hex), [
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  ])
  t.same(consistencyProof(tree, 1, 1), [])
})

t.test('every proof of trees up to 70 leaves verifies, and a changed leaf, proof or root does not', async (t) => {
  const leaves = Array.from({ length: 70 }, (_, i) => leafHash(`entry ${i}`))
  const tree = subtreesOf(leaves)
  const roots = Array.from({ length: 71 }, (_, n) => rootOf(leaves.slice(0, n)))
  let checked = 0
  for (let n = 1; n <= 70; n++) {
    for (let m = 0; m < n; m++) {
      const proof = inclusionProof(tree, m, n)
      if (!verifyInclusion(m, n, leaves[m] as Buffer, proof, roots[n] as Buffer)) t.fail(`inclusion ${m}/${n}`)
      if (verifyInclusion(m, n, leafHash('forged'), proof, roots[n] as Buffer)) t.fail(`forged leaf ${m}/${n}`)
      if (n > 1 && verifyInclusion(m, n, leaves[m] as Buffer, proof.slice(1), roots[n] as Buffer)) t.fail(`short proof ${m}/${n}`)
      const c = consistencyProof(tree, m + 1, n)
      if (!verifyConsistency(m + 1, n, roots[m + 1] as Buffer, roots[n] as Buffer, c)) t.fail(`consistency ${m + 1}→${n}`)
      if (m + 1 < n && verifyConsistency(m + 1, n, leafHash('other'), roots[n] as Buffer, c)) t.fail(`forged old root ${m + 1}→${n}`)
      checked++
    }
  }
  t.equal(checked, (70 * 71) / 2, 'every leaf of every size and every pair of sizes')
})

t.test('a compact range reports each perfect subtree once, with the hash the full tree has there', async (t) => {
  const leaves = Array.from({ length: 300 }, (_, i) => leafHash(`row ${i}`))
  const tree = subtreesOf(leaves)
  const range = new CompactRange()
  const seen = new Map<string, string>()
  for (const leaf of leaves) {
    range.append(leaf, (level, index, hash) => {
      const key = `${level}:${index}`
      if (seen.has(key)) t.fail(`node ${key} reported twice`)
      seen.set(key, hex(hash))
    })
  }
  t.equal(hex(range.root()), hex(rootOf(leaves)))
  t.equal(seen.get('8:0'), hex(tree.hash(8, 0)), 'the first tile of 256 leaves')
  t.equal(seen.size, 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1, 'every completed subtree of level 1 and up')
  // Resumed from its saved edge, it continues the same tree.
  const saved = new CompactRange()
  for (const leaf of leaves.slice(0, 200)) saved.append(leaf)
  const again = new CompactRange(saved.size, saved.nodes)
  for (const leaf of leaves.slice(200)) again.append(leaf)
  t.equal(hex(again.root()), hex(range.root()))
})
