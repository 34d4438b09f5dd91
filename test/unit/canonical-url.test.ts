import t from 'tap'
import { canonicalUrl } from '../../src/routes/canonical-url.ts'

t.test('dot segments are resolved, plain and percent-encoded; the query is kept as sent', async (t) => {
  const cases: Array<[string, string]> = [
    ['/api/v1/audit/verify', '/api/v1/audit/verify'],
    ['/api/v1/../v1/audit/verify', '/api/v1/audit/verify'],
    ['/api/./v1/audit/verify', '/api/v1/audit/verify'],
    ['/../../api/v1/audit/verify', '/api/v1/audit/verify'],
    ['/api/v1/%2e%2e/v1/audit/verify', '/api/v1/audit/verify'],
    ['/api/v1/%2E./v1/audit/verify', '/api/v1/audit/verify'],
    ['/api/v1/audit/verify/..', '/api/v1/audit/'],
    ['/api/v1/audit/..?x=/../', '/api/v1/?x=/../'],
    ['/api/v1/handovers/..;a=1', '/api/v1/;a=1'],
    ['/..', '/'],
    ['/api/v1/handovers?q=../x', '/api/v1/handovers?q=../x'],
    ['/api/v1/a.b/..c/.../x', '/api/v1/a.b/..c/.../x'],
    ['/api/v1/%252e%252e/v1/audit', '/api/v1/%252e%252e/v1/audit'],
  ]
  for (const [raw, canonical] of cases) t.equal(canonicalUrl(raw), canonical, raw)
})
