// The `pattern` published beside each identifier format says exactly the format's shape: every value
// the format accepts matches it, a value that does not match it is refused, and it means the same in
// Python (the fuzzer's language) as in JavaScript — so a client that checks it before sending, and
// schemathesis that generates from it, agree with the server but for check digits.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { identifierPatterns } from '../../src/domain/identifier-patterns.ts'
import { identifierFormats, normalizeContainerNumber } from '../../src/services/identifiers.ts'

type Format = keyof typeof identifierPatterns
const valid: Record<Format, string[]> = {
  'declaration-number': ['108557295010', '000000000000'],
  'office-code': ['02CI', '06DS', '43IH'],
  'container-number': ['CSQU3054383', 'MSKU9070323', 'msku 907032-3', ' csqu\u00a0305438-3 ', 'TGHU\t3142557'],
  'tax-code': ['0100109522', '0100109522-001', '001090000000', '096123456789'],
  'hs-code': ['85171300', '61091010'],
  'procedure-type': ['A11', 'E31'],
}
const alphabet = ['0', '1', '3', '5', '9', 'A', 'C', 'I', 'M', 'S', 'U', 'Z', 'a', 'u', 'z', '-', ' ', '\t', '\u00a0', '\u2028', '\u0085', '\u001c', 'ı', 'ß', '٣', '/', 'é']
const randomString = () => Array.from({ length: randomInt(0, 16) }, () => alphabet[randomInt(alphabet.length)]).join('')
const samples = [...Object.values(valid).flat(), ...Array.from({ length: 4000 }, randomString)]

t.test('every value a format accepts matches its pattern, and one that does not match is refused', async (t) => {
  for (const [format, pattern] of Object.entries(identifierPatterns) as Array<[Format, string]>) {
    const regex = new RegExp(pattern, 'u')
    const accepts = (v: string) => identifierFormats[format]!(format === 'container-number' ? normalizeContainerNumber(v) : v)
    for (const v of valid[format]) t.ok(accepts(v) && regex.test(v), `${format}: ${JSON.stringify(v)} is valid and matches`)
    const disagreements = samples.filter((v) => accepts(v) && !regex.test(v))
    t.same(disagreements, [], `${format}: nothing the format accepts is outside the pattern`)
  }
})

t.test('a container number as typed matches the pattern exactly when its normal form has the ISO 6346 shape', async (t) => {
  const regex = new RegExp(identifierPatterns['container-number'], 'u')
  const shapes = Array.from({ length: 20_000 }, () => {
    // Mostly near-misses: a real shape with separators, case and stray characters mixed in.
    const base = `${'ABCMSK'[randomInt(6)]}${'SQT'[randomInt(3)]}${'CKG'[randomInt(3)]}${'UJZXu'[randomInt(5)]}${String(randomInt(10_000_000)).padStart(7, '0')}`
    return [...base].map((c) => (randomInt(4) === 0 ? alphabet[randomInt(alphabet.length)]! : '') + (randomInt(3) === 0 ? c.toLowerCase() : c)).join('')
  })
  const mismatches = [...shapes, ...samples].filter((v) => regex.test(v) !== /^[A-Z]{3}[UJZ][0-9]{7}$/.test(normalizeContainerNumber(v)))
  t.same(mismatches.slice(0, 5), [], 'the pattern and the normalisation agree')
})

t.test('the patterns mean the same in Python (the fuzzer) as in JavaScript', async (t) => {
  const script = [
    'import json, re, sys',
    'data = json.load(sys.stdin)',
    'print(json.dumps({f: [re.fullmatch(p, v) is not None for v in data["samples"]] for f, p in data["patterns"].items()}))',
  ].join('\n')
  const python = JSON.parse(
    execFileSync('python3', ['-c', script], { input: JSON.stringify({ patterns: identifierPatterns, samples }), encoding: 'utf8' }),
  ) as Record<string, boolean[]>
  for (const [format, pattern] of Object.entries(identifierPatterns)) {
    const regex = new RegExp(pattern, 'u')
    const differ = samples.filter((v, i) => regex.test(v) !== python[format]![i])
    t.same(differ.map((v) => JSON.stringify(v)).slice(0, 5), [], `${format}: JavaScript and Python agree on ${samples.length} values`)
  }
})
