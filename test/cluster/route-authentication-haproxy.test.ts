// Through HAProxy's client frontend, as an outsider would: every spelling of a protected path is
// refused like the path itself (issue 12 measured `/%61pi/v1/audit/verify` answering 200 here).
import { readFileSync } from 'node:fs'
import t from 'tap'
import { endpoints, secrets } from '../../infra/launcher/cluster-api.ts'
import { signToken } from '../../src/services/jwt-service.ts'
import { checkPathVariants } from '../auth-path-variants.ts'

t.test('every spelling of /api/v1/audit/verify through HAProxy: 401 anonymous, 403 officer, never 200 or 500', async (t) => {
  const { httpBaseUrl, caFile } = endpoints()
  const sign = (role: 'officer' | 'supervisor') =>
    signToken({ officerId: `02CI-variants-${role}`, name: 'Path variants', office: '02CI', role }, secrets().jwtSecret, {
      issuer: 'tqdt-ha',
      audience: 'tqdt-api',
      ttlSeconds: 600,
    })
  await checkPathVariants(t, httpBaseUrl, '/api/v1/audit/verify', { refused: sign('officer'), allowed: sign('supervisor') }, /rowsChecked/, readFileSync(caFile))
})
