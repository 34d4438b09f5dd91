// Prints opened from a signed link: issuing the link (for an officer who may read the record) and
// opening it (HTML page or PDF) with no bearer header — the link names the record and the office it
// was issued to, and that office must still be one that may read the record. The QR code on the
// paper carries a lasting verification code: scanning it shows the record as it is now and whether
// the paper is the current version.
import type { Queryable } from '../db/database.ts'
import { notFound } from '../domain/errors.ts'
import { getEligibleList, loadView as loadEligibleListView } from './gate-declaration-service.ts'
import { renderEligibleListPdf } from './gate-print-pdf.ts'
import { renderEligibleList } from './gate-print-service.ts'
import { getHandover, loadHandoverView } from './handover-query-service.ts'
import { renderHandoverPdf, type PrintContext } from './handover-print-pdf.ts'
import { renderHandoverHtml } from './handover-print.ts'
import { escapeHtml as e } from './html-escape.ts'
import type { Actor } from '../domain/actor.ts'
import type { DeclarationView } from './gate-views.ts'
import type { HandoverView } from './handover-views.ts'
import { loadPrintNames, officeLabel, type PrintNames } from './print-names.ts'
import { PrintLinkSigner, type PrintKind, type PrintLinkClaims } from './print-link-service.ts'
import { vietnamTime } from './vietnam-time.ts'

export interface PrintLink {
  /** The print as a page (opens in any browser, no sign-in). */
  url: string
  /** The same print as a PDF. */
  pdfUrl: string
  expiresAt: string
}

type Printable =
  | { kind: 'handover'; view: HandoverView }
  | { kind: 'eligible-list'; view: DeclarationView }

export interface PrintDeps {
  signer: PrintLinkSigner
  baseUrl: string
}

const versionOf = (p: Printable): string => (p.kind === 'handover' ? String(p.view.version) : p.view.updatedAt)

/** A link for the actor to a record they may read (404 / 403 otherwise, as for reading it). */
export async function issuePrintLink(q: Queryable, deps: PrintDeps, actor: Actor, kind: PrintKind, record: string): Promise<PrintLink> {
  if (kind === 'handover') await getHandover(q, actor, record)
  else await getEligibleList(q, actor, record)
  const { token, expiresAt } = await deps.signer.sign({ kind, record, office: actor.office, admin: actor.role === 'admin' })
  const query = `t=${encodeURIComponent(token)}`
  return { url: `${deps.baseUrl}/api/v1/prints/page?${query}`, pdfUrl: `${deps.baseUrl}/api/v1/prints/pdf?${query}`, expiresAt }
}

/** The record a link names, read as the office it was issued to. */
async function printableFor(q: Queryable, claims: PrintLinkClaims): Promise<Printable> {
  // Read as the office the link was issued to: if the office no longer may read the record, the
  // link stops working with it.
  const reader: Actor = { officerId: 'print-link', name: 'print link', office: claims.office, role: claims.admin ? 'admin' : 'officer' }
  if (claims.kind === 'handover') return { kind: 'handover', view: await getHandover(q, reader, claims.record) }
  return { kind: 'eligible-list', view: await getEligibleList(q, reader, claims.record) }
}

async function namesOf(q: Queryable, p: Printable): Promise<PrintNames> {
  if (p.kind === 'handover') {
    const h = p.view
    const officers = [h.handedOverBy, h.enteredBy, h.receipt?.receivedBy, h.receipt?.enteredBy, h.verification?.openedBy,
      h.verification?.decidedBy, h.cancellation?.cancelledBy, h.closure?.closedBy, ...h.amendments.flatMap((a) => [a.amendedBy, a.approvedBy]),
      ...h.incidents.map((i) => i.recordedBy)]
    const offices = [h.departureOffice, h.destinationOffice, ...h.incidents.map((i) => i.office)]
    return loadPrintNames(q, offices, officers.filter((o): o is string => typeof o === 'string'))
  }
  const v = p.view
  const confirmations = [...v.containers.flatMap((c) => [c.confirmation, c.hold]), ...v.lots.flatMap((l) => l.confirmations)]
  const officers = confirmations.flatMap((c) => (c ? [c.officerId, ...(c.release ? [c.release.releasedBy] : [])] : []))
  return loadPrintNames(q, [v.office], [v.registeredBy, v.updatedBy, ...officers])
}

async function contextOf(q: Queryable, deps: PrintDeps, p: Printable, now: string): Promise<PrintContext> {
  const record = p.kind === 'handover' ? p.view.id : p.view.declarationNumber
  const code = await deps.signer.signVerification({ kind: p.kind, record, version: versionOf(p) })
  return { names: await namesOf(q, p), verifyUrl: `${deps.baseUrl}/api/v1/prints/verify?c=${encodeURIComponent(code)}`, printedAt: now }
}

export async function openPrintPage(q: Queryable, deps: PrintDeps, token: string, now: string): Promise<string> {
  const claims = await deps.signer.verify(token)
  const p = await printableFor(q, claims)
  const ctx = await contextOf(q, deps, p, now)
  const pdfUrl = `${deps.baseUrl}/api/v1/prints/pdf?t=${encodeURIComponent(token)}`
  if (p.kind === 'handover') return renderHandoverHtml(p.view, { names: ctx.names, pdfUrl, verifyUrl: ctx.verifyUrl })
  return renderEligibleList(p.view, now, { names: ctx.names, pdfUrl, verifyUrl: ctx.verifyUrl })
}

export async function openPrintPdf(q: Queryable, deps: PrintDeps, token: string, now: string): Promise<{ pdf: Buffer; fileName: string }> {
  const claims = await deps.signer.verify(token)
  const p = await printableFor(q, claims)
  const ctx = await contextOf(q, deps, p, now)
  if (p.kind === 'handover') return { pdf: await renderHandoverPdf(p.view, ctx), fileName: `${p.view.handoverNumber}.pdf` }
  return { pdf: await renderEligibleListPdf(p.view, ctx), fileName: `danh-sach-KVGS-${p.view.declarationNumber}.pdf` }
}

/**
 * What scanning the QR code on a paper shows: the record's key facts as they are now, and whether
 * the paper is the current version. Public: it shows what the paper itself shows.
 */
export async function verificationPage(q: Queryable, deps: PrintDeps, code: string): Promise<string> {
  const claims = await deps.signer.verifyVerification(code)
  let p: Printable
  if (claims.kind === 'handover') {
    const view = await loadHandoverView(q, claims.record)
    if (!view) throw notFound('HANDOVER_NOT_FOUND', 'The record this paper names no longer exists')
    p = { kind: 'handover', view }
  } else {
    p = { kind: 'eligible-list', view: await loadEligibleListView(q, claims.record) }
  }
  const names = await namesOf(q, p)
  const current = versionOf(p) === claims.version
  const rows: Array<[string, string]> =
    p.kind === 'handover'
      ? [
          ['Số biên bản', p.view.handoverNumber],
          // What an office along the route needs to record an incident on it (POST …/handovers/{id}/incidents).
          ['Mã hồ sơ', p.view.id],
          ['Chi cục Hải quan nơi đi', officeLabel(names, p.view.departureOffice)],
          ['Chi cục Hải quan nơi đến', officeLabel(names, p.view.destinationOffice)],
          ['Số tờ khai', p.view.declarationNumbers.join(', ')],
          ['Container / niêm phong hải quan', p.view.containers.map((c) => `${c.containerNumber} / ${c.customsSeal}`).join('; ')],
          ['Phương tiện', p.view.vehicle],
          ['Sự cố trên đường', String(p.view.incidents.length)],
          ['Thời hạn hàng đến', vietnamTime(p.view.dueAt)],
          ['Trạng thái', p.view.status],
          ['Phiên bản hiện tại', String(p.view.version)],
        ]
      : [
          ['Số tờ khai', p.view.declarationNumber],
          ['Chi cục hải quan giám sát', officeLabel(names, p.view.office)],
          ['Doanh nghiệp', p.view.traderName],
          ['Container / niêm phong hải quan', p.view.containers.map((c) => `${c.containerNumber} / ${c.customsSeal ?? '#####'}`).join('; ')],
          ['Cập nhật lúc', vietnamTime(p.view.updatedAt)],
        ]
  const verdict = current
    ? 'Bản in này khớp với hồ sơ hiện tại trong hệ thống.'
    : 'CẢNH BÁO: hồ sơ đã thay đổi sau khi bản này được in. Đối chiếu với hồ sơ hiện tại dưới đây.'
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Kiểm tra bản in</title>
<style>body{font-family:"Times New Roman",serif;margin:1.5em}table{border-collapse:collapse}th{text-align:left;font-weight:normal;padding-right:1em;vertical-align:top}.ok{color:#060}.warn{color:#a00;font-weight:bold}</style>
</head><body>
<h1>Kiểm tra bản in</h1>
<p class="${current ? 'ok' : 'warn'}" data-current="${current}">${e(verdict)}</p>
<table>${rows.map(([label, value]) => `<tr><th>${e(label)}</th><td>${e(value)}</td></tr>`).join('')}</table>
</body></html>
`
}
