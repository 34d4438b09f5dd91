// A GET with node:http, for tests that need what fetch cannot give: the source address of the
// connection (allow-lists) and the raw error of a connection the server reset.
import { request } from 'node:http'

export function httpGet(url: string, options: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: options.headers, localAddress: options.localAddress, timeout: 3000 }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}
