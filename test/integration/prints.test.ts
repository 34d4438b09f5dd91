// Prints opened as a person opens them: headless Chromium (Debian's chromium, driven by
// playwright-core) follows a print link that carries no bearer header, a screenshot of the page is
// taken, the PDF is downloaded by clicking its link, pdftotext (poppler-utils) reads it back field
// by field and pdftoppm renders its first page; expired, altered or foreign links are refused.
import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { buildTestApp, freePort, type TestApp } from '../helper.ts'
import { folded, pdfText } from '../print-text.ts'

const DEP = { office: '02CI', officerId: '02CI-001' }
const DEST = { office: '06DS', officerId: '06DS-007' }
const OTHER = { office: '03CC', officerId: '03CC-002' }
const DN = '108557295010'
// Screenshots stay where a person can look at them after the run.
const ARTIFACTS = resolve(import.meta.dirname, '../../.run/test-artifacts/prints')
// As the machine notes say: without the background-networking flags Chromium tries hosts this
// machine cannot reach, at every start.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

async function servedApp(t: Parameters<typeof buildTestApp>[0]): Promise<{ app: TestApp; base: string }> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const app = await buildTestApp(t, { publicBaseUrl: base })
  await app.app.listen({ host: '127.0.0.1', port })
  await app.sql(`INSERT INTO officers (id, name, office, role) VALUES
    ('02CI-001', 'Nguyễn Văn An', '02CI', 'officer'), ('06DS-007', 'Trần Thị Bình', '06DS', 'officer')`)
  return { app, base }
}

let browser: Browser
t.before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
})
t.teardown(() => browser?.close())


/**
 * The PDF as the browser gets it (fetched by the page, through Chromium's network stack), then
 * opened by clicking the page's link as a person would: Chromium shows it in its PDF viewer.
 */
async function openPdfInBrowser(t: Test, page: Page, pdfFile: string, screenshot: string): Promise<void> {
  const href = (await page.getAttribute('text=Tải bản PDF', 'href')) as string
  const bytes = Buffer.from(
    await page.evaluate(async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer())), href),
  )
  t.equal(bytes.subarray(0, 5).toString(), '%PDF-', 'the browser receives a PDF')
  writeFileSync(pdfFile, bytes)
  const [pdfResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/prints/pdf')),
    page.click('text=Tải bản PDF'),
  ])
  t.equal(pdfResponse.status(), 200, 'the PDF opens from the link')
  t.equal(pdfResponse.headers()['content-type'], 'application/pdf')
  // The viewer draws the pages a while after the response (seconds on a busy machine): screenshots
  // until one shows a drawn page (an empty viewer's is about 5 KB), within a bound.
  const deadline = Date.now() + 30_000
  do {
    await page.waitForTimeout(500)
    await page.screenshot({ path: screenshot })
  } while (statSync(screenshot).size < 20_000 && Date.now() < deadline)
  t.ok(statSync(screenshot).size >= 20_000, 'a screenshot of the PDF drawn in the browser')
}

async function handedOverAndReceived(t: Test, app: TestApp): Promise<Record<string, any>> {
  const created = await app.as(DEP, {
    method: 'POST',
    url: '/api/v1/handovers',
    payload: {
      destinationOffice: '06DS',
      destinationPlace: 'Cửa khẩu Mộc Bài',
      departurePlace: 'Cảng Cát Lái',
      declarationNumbers: ['308557295080', '308557295081'],
      containers: [
        { containerNumber: 'CSQU3054383', carrierSeal: 'ML123456', customsSeal: 'HQ000111' },
        { containerNumber: 'MSKU9070323', carrierSeal: 'ML654321', customsSeal: 'HQ000112' },
      ],
      goodsLines: [{ description: 'Máy xúc đã qua sử dụng', quantity: 1, unit: 'C62', marks: 'MX-01' }],
      vehicle: '51C-123.45 / 51R-009.87',
      route: 'Cát Lái — Quốc lộ 22 — Mộc Bài',
      dueAt: new Date(Date.now() + 8 * 3_600_000).toISOString(),
      declarantName: 'Công ty TNHH Xuất nhập khẩu Minh Phát',
    },
  })
  t.equal(created.statusCode, 201, 'handover created')
  const h = created.json()
  const received = await app.as(DEST, {
    method: 'POST',
    url: `/api/v1/handovers/${h.id}/receipt`,
    payload: {
      containers: [
        { containerNumber: 'CSQU3054383', sealState: 'intact' },
        { containerNumber: 'MSKU9070323', sealState: 'replaced', newSealNumber: 'HQ999001' },
      ],
      discrepancies: ['Niêm phong hải quan HQ000112 bị thay bằng HQ999001 tại trạm dừng'],
      note: 'Hàng đến đủ',
    },
  })
  t.equal(received.statusCode, 200, 'receipt recorded')
  return received.json()
}

t.test('a handover print link opens in Chromium without a token; the PDF carries every field', async (t) => {
  const { app } = await servedApp(t)
  const h = await handedOverAndReceived(t, app)

  const linkRes = await app.as(DEP, { url: `/api/v1/handovers/${h.id}/print-link` })
  t.equal(linkRes.statusCode, 200)
  const link = linkRes.json()
  t.ok(Date.parse(link.expiresAt) > Date.now(), 'the link expires in the future')
  t.notOk(link.url.includes('Bearer'), 'no bearer token in the link')

  const context = await browser.newContext({ acceptDownloads: true })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const response = await page.goto(link.url)
  t.equal(response?.status(), 200, 'the page opens with no Authorization header')
  const shot = join(ARTIFACTS, 'handover-page.png')
  await page.screenshot({ path: shot, fullPage: true })
  t.ok(statSync(shot).size > 20_000, 'the screenshot shows a page, not a blank')
  const pageText = await page.innerText('body')
  for (const expected of ['BIÊN BẢN BÀN GIAO HÀNG HÓA', h.handoverNumber, 'Hải quan cửa khẩu cảng Sài Gòn khu vực I (02CI)',
    'Hải quan cửa khẩu quốc tế Mộc Bài (06DS)', 'Nguyễn Văn An (02CI-001)', 'TP. Hồ Chí Minh, ngày']) {
    t.ok(pageText.includes(expected), `the page shows ${expected}`)
  }

  // The QR code's target (the same address as the page's "Kiểm tra bản in" link).
  const verifyHref = await page.getAttribute('text=Kiểm tra bản in', 'href')
  const pdfFile = join(ARTIFACTS, 'handover.pdf')
  await openPdfInBrowser(t, page, pdfFile, join(ARTIFACTS, 'handover-pdf-viewer.png'))
  const text = folded(pdfText(pdfFile))
  const vn = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso)).replace(',', '')
  const fields: Array<[string, string]> = [
    ['form code', 'Mẫu số 10/BBBG/GSQL'],
    ['agency header', 'CỤC HẢI QUAN'],
    ['issuing office in capitals', 'HẢI QUAN CỬA KHẨU CẢNG SÀI GÒN KHU VỰC I'],
    ['motto', 'Độc lập - Tự do - Hạnh phúc'],
    ['place and date line', `TP. Hồ Chí Minh, ngày ${vn(h.handedOverAt).slice(0, 2)} tháng ${vn(h.handedOverAt).slice(3, 5)} năm ${vn(h.handedOverAt).slice(6, 10)}`],
    ['title', 'BIÊN BẢN BÀN GIAO HÀNG HÓA'],
    ['number', h.handoverNumber],
    ['departure office', 'Hải quan cửa khẩu cảng Sài Gòn khu vực I (02CI)'],
    ['departure place', 'Cảng Cát Lái'],
    ['destination office', 'Hải quan cửa khẩu quốc tế Mộc Bài (06DS)'],
    ['destination place', 'Cửa khẩu Mộc Bài'],
    ['handing-over officer by name', 'Nguyễn Văn An (02CI-001)'],
    ['receiving officer by name', 'Trần Thị Bình (06DS-007)'],
    ['declarant', 'Công ty TNHH Xuất nhập khẩu Minh Phát'],
    ['declarations', '308557295080, 308557295081'],
    ['vehicle', '51C-123.45 / 51R-009.87'],
    ['route', 'Cát Lái — Quốc lộ 22 — Mộc Bài'],
    ['handed over at (Vietnam time)', vn(h.handedOverAt)],
    ['time limit (Vietnam time)', vn(h.dueAt)],
    ['received at (Vietnam time)', vn(h.receipt.receivedAt)],
    ['first container', 'CSQU3054383'],
    ['its carrier seal', 'ML123456'],
    ['its customs seal', 'HQ000111'],
    ['second container', 'MSKU9070323'],
    ['its carrier seal', 'ML654321'],
    ['its customs seal', 'HQ000112'],
    ['seal state on arrival', 'Thay thế'],
    ['new seal', 'HQ999001'],
    ['goods line', 'Máy xúc đã qua sử dụng'],
    ['goods marks', 'MX-01'],
    ['discrepancy', 'Niêm phong hải quan HQ000112 bị thay bằng HQ999001 tại trạm dừng'],
    ['note', 'Hàng đến đủ'],
    ['status', 'Đã đến đích, có sai khác'],
    ['version', `phiên bản ${h.version}`],
    ['signature block', 'Công chức hải quan nơi đến'],
    ['verification caption', 'Kiểm tra tính xác thực'],
  ]
  for (const [what, value] of fields) t.ok(text.includes(value), `PDF: ${what} (${value})`)

  execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', pdfFile, join(ARTIFACTS, 'handover-pdf')])
  t.ok(statSync(join(ARTIFACTS, 'handover-pdf-1.png')).size > 20_000, 'the PDF renders to a page image')

  t.ok(verifyHref && text.includes('Quét mã QR'), 'the paper points to its verification')
  const verify = await context.newPage()
  t.equal((await verify.goto(verifyHref as string))?.status(), 200)
  t.match(await verify.innerText('body'), /khớp với hồ sơ hiện tại/, 'the current paper verifies as current')
  t.match(await verify.innerText('body'), /CSQU3054383 \/ HQ000111/)
  // A later change of the record (an amendment bumps the version): the old paper no longer verifies as current.
  await app.sql('UPDATE handovers SET version = version + 1 WHERE id = $1', [h.id])
  await verify.reload()
  t.match(await verify.innerText('body'), /CẢNH BÁO: hồ sơ đã thay đổi sau khi bản này được in/, 'an outdated paper is flagged')
  t.equal(await verify.getAttribute('[data-current]', 'data-current'), 'false')
})

t.test('expired, altered and foreign links are refused; only an office that may read gets a link', async (t) => {
  const { app } = await servedApp(t)
  const h = await handedOverAndReceived(t, app)
  const { signer } = app.app.printDeps()
  const open = (url: string) => app.app.inject({ url: url.replace(/^http:\/\/[^/]+/, '') })

  const expired = await signer.sign({ kind: 'handover', record: h.id, office: '02CI', admin: false }, Date.now() - 3_600_000)
  const res = await open(`/api/v1/prints/pdf?t=${expired.token}`)
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'PRINT_LINK_EXPIRED')

  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  const inBrowser = await page.goto(`${app.app.config.publicBaseUrl}/api/v1/prints/page?t=${expired.token}`)
  t.equal(inBrowser?.status(), 401, 'Chromium gets 401 for an expired link')
  t.match(await page.innerText('body'), /PRINT_LINK_EXPIRED/)

  const link = (await app.as(DEP, { url: `/api/v1/handovers/${h.id}/print-link` })).json()
  const token = new URL(link.pdfUrl).searchParams.get('t') as string
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
  const forged = Buffer.from(JSON.stringify({ ...claims, office: '03CC' })).toString('base64url')
  for (const [what, altered] of [
    ['another office written into the claims', `${header}.${forged}.${signature}`],
    ['a changed signature byte', `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`],
    ['a bearer token instead of a link', app.token(DEP)],
  ] as const) {
    const r = await open(`/api/v1/prints/pdf?t=${altered}`)
    t.equal(r.statusCode, 403, what)
    t.equal(r.json().code, 'PRINT_LINK_INVALID', what)
  }
  const good = await open(link.pdfUrl)
  t.equal(good.statusCode, 200, 'the untouched link opens')
  t.equal(good.headers['content-type'], 'application/pdf')

  const foreign = await app.as(OTHER, { url: `/api/v1/handovers/${h.id}/print-link` })
  t.equal(foreign.statusCode, 403, 'an office that is neither end gets no link')
  t.equal((await app.app.inject({ url: `/api/v1/handovers/${h.id}/print-link` })).statusCode, 401, 'issuing a link needs sign-in')
  t.equal((await open('/api/v1/prints/verify?c=not-a.code-not-a.code-x')).json().code, 'PRINT_LINK_INVALID', 'shaped like a code, not one of ours')
  t.equal((await open('/api/v1/prints/verify?c=not-a-code-not-a-code-x')).statusCode, 400, 'not even shaped like one: the published pattern refuses it')
})

t.test('the eligible list prints as the VNACCS list, with names and every container and lot', async (t) => {
  const { app } = await servedApp(t)
  const put = await app.as(DEP, {
    method: 'PUT',
    url: `/api/v1/gate/declarations/${DN}`,
    payload: {
      office: '02CI', locationCode: '02CIC03', traderName: 'Công ty TNHH Thương mại ABC', traderTaxCode: '0100109522',
      status: 'CLEARED', declarationDate: '2024-06-03', procedureType: 'A11', channel: 2, goodsManagementNumber: 'QL-2024-77',
      containers: [
        { containerNumber: 'CSQU3054383', carrierSeal: 'ML123456', customsSeal: '#####' },
        { containerNumber: 'MSKU9070323', carrierSeal: 'ML654321', customsSeal: 'HQ000123' },
      ],
      lots: [{ lotNumber: 'LOT1', description: 'Thép cuộn', quantity: 100, quantityUnit: 'TNE', totalWeight: 100000, weightUnit: 'KGM' }],
    },
  })
  t.equal(put.statusCode, 201)
  t.equal((await app.as(DEP, { method: 'POST', url: `/api/v1/gate/declarations/${DN}/containers/MSKU9070323/confirmations` })).statusCode, 201)
  t.equal((await app.as(DEP, { method: 'POST', url: `/api/v1/gate/declarations/${DN}/lots/LOT1/confirmations`, payload: { quantity: 40 } })).statusCode, 201)

  const link = (await app.as(DEP, { url: `/api/v1/gate/declarations/${DN}/print-link` })).json()
  const context = await browser.newContext({ acceptDownloads: true })
  t.teardown(() => context.close())
  const page = await context.newPage()
  t.equal((await page.goto(link.url))?.status(), 200)
  await page.screenshot({ path: join(ARTIFACTS, 'eligible-list-page.png'), fullPage: true })
  const pdfFile = join(ARTIFACTS, 'eligible-list.pdf')
  await openPdfInBrowser(t, page, pdfFile, join(ARTIFACTS, 'eligible-list-pdf-viewer.png'))
  const text = folded(pdfText(pdfFile))
  for (const value of ['DANH SÁCH CONTAINER ĐỦ ĐIỀU KIỆN QUA KHU VỰC GIÁM SÁT', 'DANH SÁCH HÀNG HÓA ĐỦ ĐIỀU KIỆN QUA KHU VỰC GIÁM SÁT',
    'HẢI QUAN CỬA KHẨU CẢNG SÀI GÒN KHU VỰC I', 'TP. Hồ Chí Minh, ngày', 'Hải quan cửa khẩu cảng Sài Gòn khu vực I (02CI)', '02CIC03',
    'Công ty TNHH Thương mại ABC', '0100109522', DN, '03/06/2024', 'Thông quan', 'A11', '2 – Vàng', 'QL-2024-77',
    'CSQU3054383', 'ML123456', '#####', 'MSKU9070323', 'ML654321', 'HQ000123', 'Chưa xác nhận', 'Nguyễn Văn An (02CI-001)',
    'LOT1', 'Thép cuộn', '100 TNE', '100.000 KGM', '40 TNE', '60 TNE', 'Công chức hải quan giám sát', 'Kiểm tra tính xác thực']) {
    t.ok(text.includes(value), `PDF: ${value}`)
  }
})
