// TLS material from files, read when a listener or a client is made and again on SIGHUP (a
// certificate rotation), so nothing of it lives in the environment or in the code.
import { readFileSync } from 'node:fs'
import type { SecureContextOptions } from 'node:tls'
import type { Config } from './config.ts'

/** The listeners' options: this node's certificate; with a client CA, only peers holding a certificate of it get through the handshake. */
export function serverTlsOptions(tls: NonNullable<Config['tls']>): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean; minVersion: 'TLSv1.2' } {
  const clientCa = tls.clientCaFile ? readFileSync(tls.clientCaFile) : undefined
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(clientCa ? { ca: clientCa } : {}),
    requestCert: clientCa !== undefined,
    rejectUnauthorized: clientCa !== undefined,
    minVersion: 'TLSv1.2',
  }
}

/** A client's options towards Redis and Sentinel: verify them against the CA, show this node's certificate. */
export function redisTlsOptions(tls: NonNullable<Config['redisTls']>): SecureContextOptions {
  return {
    ca: readFileSync(tls.caFile),
    ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
    ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
  }
}
