// The shapes of the customs identifiers as regular expressions (docs/api.md, "Officers' terms" of each form):
// the services' formats check them, and the request schemas publish them as `pattern`.

// What officers may type between the characters of a container number, and what is removed: a dash,
// and what JavaScript's \s matches — spelt out, because the same class goes into the OpenAPI pattern,
// where a client in another language (Python's \s is wider) must read it the same way.
export const CONTAINER_SEPARATORS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff-'

/**
 * Each identifier format's shape as a regular expression, published as `pattern` beside `format` in
 * the OpenAPI document so a client can check a value before sending it. ASCII classes only ([0-9],
 * not \d): the pattern must mean the same in JavaScript and in the fuzzer's Python. What no regex
 * can say — a check digit — stays with the format alone (docs/api.md lists it).
 */
export const identifierPatterns = {
  'declaration-number': '^[0-9]{12}$',
  'office-code': '^[0-9]{2}[A-Z0-9]{2}$',
  // As typed: any case, separators anywhere; normalizeContainerNumber turns it into ^[A-Z]{3}[UJZ][0-9]{7}$.
  'container-number': `^[${CONTAINER_SEPARATORS}]*(?:[A-Za-z][${CONTAINER_SEPARATORS}]*){3}[UJZujz][${CONTAINER_SEPARATORS}]*(?:[0-9][${CONTAINER_SEPARATORS}]*){7}$`,
  // 10 digits (with a dependent unit's -NNN), or a personal number of 12 from a province 001–096.
  'tax-code': '^(?:[0-9]{10}(?:-[0-9]{3})?|(?:00[1-9]|0[1-8][0-9]|09[0-6])[0-9]{9})$',
  'hs-code': '^[0-9]{8}$',
  'procedure-type': '^[A-Z][0-9]{2}$',
} as const
