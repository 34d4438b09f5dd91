// A GET with node:http(s), for tests that need what fetch cannot give: the source address of the
// connection (allow-lists), the raw error of a connection the server reset, and the client
// certificate shown (or not) to a cluster listener.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

export interface HttpGetOptions {
  headers?: Record<string, string>
  localAddress?: string
  /** For https URLs: the CA to verify the server with, and the client certificate to show (none when absent). */
  tls?: { ca: string | Buffer; cert?: string | Buffer; key?: string | Buffer }
}

export function httpGet(url: string, options: HttpGetOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:')
    const common = { headers: options.headers, localAddress: options.localAddress, timeout: 3000 }
    const onResponse = (res: import('node:http').IncomingMessage) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }
    // agent: false: every call is a fresh connection (and handshake), so an allow-list or a missing certificate is met each time.
    const req = secure ? httpsRequest(url, { ...common, ...options.tls, agent: false }, onResponse) : httpRequest(url, common, onResponse)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}
