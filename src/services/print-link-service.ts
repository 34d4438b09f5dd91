// Signed print links: a browser opens a print without a bearer header, so the link itself carries
// what the header would — which record, for which office, until when — signed by the service.
// A second, lasting code goes into the QR code on the paper: it names the record and the version
// that was printed, so whoever scans it sees whether the paper matches the record as it is now.
// Compact JWS with jose (a maintained JOSE implementation: algorithm pinning, expiry and audience
// checks done for us) under a key kept apart from the bearer tokens' (HKDF, own audience), so a
// print link is never accepted as a bearer token, nor the reverse.
import { hkdfSync } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { DomainError, forbidden } from '../domain/errors.ts'

export const PRINT_KINDS = ['handover', 'eligible-list'] as const
export type PrintKind = (typeof PRINT_KINDS)[number]

export interface PrintLinkClaims {
  kind: PrintKind
  /** The handover id or the declaration number. */
  record: string
  /** The office the link was issued to: it must still be one that may read the record. */
  office: string
  /** Issued to an admin (who reads every office's records). */
  admin: boolean
}

export interface VerificationClaims {
  kind: PrintKind
  record: string
  /** The record's version when printed (a handover's version; an eligible list's update time). */
  version: string
}

const LINK_AUDIENCE = 'tqdt-print-link'
const VERIFY_AUDIENCE = 'tqdt-print-verification'
const ALGORITHMS = ['HS256']

export class PrintLinkSigner {
  private readonly key: Uint8Array
  private readonly ttlSeconds: number

  constructor(secret: string, ttlSeconds: number) {
    this.key = new Uint8Array(hkdfSync('sha256', secret, 'tqdt-print-links', 'print-link-v1', 32))
    this.ttlSeconds = ttlSeconds
  }

  async sign(claims: PrintLinkClaims, nowMs = Date.now()): Promise<{ token: string; expiresAt: string }> {
    const iat = Math.floor(nowMs / 1000)
    const exp = iat + this.ttlSeconds
    const token = await new SignJWT({ kind: claims.kind, office: claims.office, admin: claims.admin })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.record)
      .setAudience(LINK_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key)
    return { token, expiresAt: new Date(exp * 1000).toISOString() }
  }

  /** 401 PRINT_LINK_EXPIRED for an old link, 403 PRINT_LINK_INVALID for anything not signed by us. */
  async verify(token: string, nowMs = Date.now()): Promise<PrintLinkClaims> {
    const payload = await this.check(token, LINK_AUDIENCE, nowMs)
    if (!isKind(payload.kind) || typeof payload.sub !== 'string' || typeof payload.office !== 'string' || typeof payload.admin !== 'boolean') {
      throw invalidLink()
    }
    return { kind: payload.kind, record: payload.sub, office: payload.office, admin: payload.admin }
  }

  async signVerification(claims: VerificationClaims): Promise<string> {
    return new SignJWT({ kind: claims.kind, v: claims.version })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.record)
      .setAudience(VERIFY_AUDIENCE)
      .sign(this.key)
  }

  async verifyVerification(code: string): Promise<VerificationClaims> {
    const payload = await this.check(code, VERIFY_AUDIENCE, Date.now())
    if (!isKind(payload.kind) || typeof payload.sub !== 'string' || typeof payload.v !== 'string') throw invalidLink()
    return { kind: payload.kind, record: payload.sub, version: payload.v }
  }

  private async check(token: string, audience: string, nowMs: number) {
    try {
      const { payload } = await jwtVerify(token, this.key, { audience, algorithms: ALGORITHMS, currentDate: new Date(nowMs) })
      return payload
    } catch (err) {
      if (err instanceof errors.JWTExpired) {
        throw new DomainError('unauthenticated', 'PRINT_LINK_EXPIRED', 'This print link has expired; open the print again from the record to get a new link')
      }
      if (err instanceof errors.JOSEError) throw invalidLink()
      throw err
    }
  }
}

const isKind = (v: unknown): v is PrintKind => typeof v === 'string' && (PRINT_KINDS as readonly string[]).includes(v)

const invalidLink = () =>
  forbidden('PRINT_LINK_INVALID', 'This link was not issued by the service or has been altered; open the print again from the record')
