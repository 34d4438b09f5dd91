// A few RESP commands over a raw socket, enough for health checks and Sentinel queries, so the
// status table needs neither redis-cli nor an npm client.
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'

type Reply = string | number | null | Reply[]

function encode(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')
}

/** Parses one reply at `pos`; returns null while the buffer is incomplete. */
function parse(buf: string, pos: number): { value: Reply; next: number } | null {
  const eol = buf.indexOf('\r\n', pos)
  if (eol < 0) return null
  const type = buf[pos]
  const line = buf.slice(pos + 1, eol)
  switch (type) {
    case '+':
      return { value: line, next: eol + 2 }
    case '-':
      throw new Error(line)
    case ':':
      return { value: Number(line), next: eol + 2 }
    case '$': {
      const len = Number(line)
      if (len < 0) return { value: null, next: eol + 2 }
      // Replies here are ASCII (INFO, addresses), so character and byte lengths agree.
      if (buf.length < eol + 2 + len + 2) return null
      return { value: buf.slice(eol + 2, eol + 2 + len), next: eol + 2 + len + 2 }
    }
    case '*': {
      const n = Number(line)
      if (n < 0) return { value: null, next: eol + 2 }
      const items: Reply[] = []
      let next = eol + 2
      for (let i = 0; i < n; i++) {
        const item = parse(buf, next)
        if (!item) return null
        items.push(item.value)
        next = item.next
      }
      return { value: items, next }
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`)
  }
}

/**
 * How to reach a Redis or Sentinel of the cluster: ACL credentials (every one refuses anonymous
 * clients, render/redis-config.ts) and TLS (they listen on TLS only and ask for a client
 * certificate of the cluster CA). Without `user`, no AUTH is sent.
 */
export interface RedisAuth {
  user?: string
  password?: string
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer }
}

export function redisCommand(host: string, port: number, args: string[], timeoutMs = 1000, auth?: RedisAuth): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = auth?.tls ? tlsConnect({ host, port, ...auth.tls }) : connect({ host, port })
    let buf = ''
    // With credentials, AUTH goes first in the same write; its reply must be OK before the command's counts.
    const withAuth = auth?.user !== undefined
    const expected = withAuth ? 2 : 1
    const done = (err: Error | null, value?: Reply) => {
      socket.destroy()
      if (err) reject(err)
      else resolve(value ?? null)
    }
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)))
    socket.on('error', (err) => done(err))
    socket.on(auth?.tls ? 'secureConnect' : 'connect', () => socket.write((withAuth ? encode(['AUTH', auth!.user!, auth!.password ?? '']) : '') + encode(args)))
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1')
      try {
        let pos = 0
        const replies: Reply[] = []
        while (replies.length < expected) {
          const reply = parse(buf, pos)
          if (!reply) return
          replies.push(reply.value)
          pos = reply.next
        }
        done(null, replies[expected - 1])
      } catch (err) {
        done(err as Error)
      }
    })
  })
}

/** `INFO <section>` as key → value. */
export async function redisInfo(host: string, port: number, section: string, auth?: RedisAuth): Promise<Record<string, string>> {
  const text = String(await redisCommand(host, port, ['INFO', section], 1000, auth))
  const info: Record<string, string> = {}
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0 && !line.startsWith('#')) info[line.slice(0, i)] = line.slice(i + 1)
  }
  return info
}
