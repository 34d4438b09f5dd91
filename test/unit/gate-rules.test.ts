// Pure parts of the gate confirmations: list content and its rules, the printable page, escaping.
import t from 'tap'
import { DomainError } from '../../src/domain/errors.ts'
import type { EligibleListInput } from '../../src/schemas/gate-schemas.ts'
import { checkListRules, contentHashOf, contentOf } from '../../src/services/gate-declaration-service.ts'
import { CONTAINER_LIST_TITLE, GOODS_LIST_TITLE, renderEligibleList } from '../../src/services/gate-print-service.ts'
import { formatNumber, vietnamTime as formatTime } from '../../src/services/vietnam-time.ts'
import type { DeclarationView } from '../../src/services/gate-views.ts'
import { escapeHtml } from '../../src/services/html-escape.ts'

const input: EligibleListInput = {
  office: '02CI',
  locationCode: '02CIC03',
  traderName: 'ABC',
  traderTaxCode: '0100109522',
  status: 'CLEARED',
  declarationDate: '2024-06-03',
  procedureType: 'A11',
  channel: 1,
  containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1', customsSeal: '#####' }],
}

t.test('content: "#####" and an absent seal are the same; origin fields are not content', async (t) => {
  const a = contentOf(input)
  t.equal(a.containers[0]?.customsSeal, null)
  const b = contentOf({ ...input, containers: [{ containerNumber: 'CSQU3054383', carrierSeal: 'ML1' }], origin: 'paper', paperRecordedAt: '2024-06-03T00:00:00Z' })
  t.equal(contentHashOf(a), contentHashOf(b))
  t.not(contentHashOf(a), contentHashOf(contentOf({ ...input, channel: 2 })))
})

t.test('list rules report every problem at once', async (t) => {
  const now = '2024-06-03T10:00:00.000Z'
  t.doesNotThrow(() => checkListRules(contentOf(input), now))
  t.doesNotThrow(() => checkListRules(contentOf({ ...input, declarationDate: '2024-06-04' }), now), 'one day of slack for the time zone')
  try {
    checkListRules(
      contentOf({
        ...input,
        declarationDate: '2024-06-06',
        containers: [{ containerNumber: 'CSQU3054383' }, { containerNumber: 'CSQU3054383' }],
      }),
      now,
    )
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof DomainError && err.kind === 'invalid')
    t.same((err as DomainError).details, [
      { field: 'containers.1.containerNumber', code: 'DUPLICATE_CONTAINER_NUMBER' },
      { field: 'declarationDate', code: 'DECLARATION_DATE_IN_FUTURE' },
    ])
  }
})

t.test('escapeHtml', async (t) => {
  t.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
  t.equal(escapeHtml(null), '')
  t.equal(escapeHtml(12.5), '12.5')
})

t.test('printable page: titles by content, Vietnamese formats, escaping', async (t) => {
  const view: DeclarationView = {
    declarationNumber: '108557295010',
    office: '02CI',
    locationCode: '02CIC03',
    traderName: 'A & B <Ltd>',
    traderTaxCode: '0100109522',
    status: 'RELEASED',
    passable: true,
    declarationDate: '2024-06-03',
    procedureType: 'A11',
    channel: 3,
    goodsManagementNumber: null,
    registeredAt: '2024-06-03T00:00:00.000Z',
    registeredBy: 'x',
    updatedAt: '2024-06-03T00:00:00.000Z',
    updatedBy: 'x',
    containers: [],
    lots: [
      {
        lotNumber: 'L"1',
        description: 'Gạo',
        quantity: 1234.5,
        quantityUnit: 'TNE',
        totalWeight: 1234500,
        weightUnit: 'KGM',
        quantityPassed: 0,
        quantityRemaining: 1234.5,
        weightPassed: 0,
        fullyPassed: false,
        confirmations: [],
      },
    ],
  }
  const page = renderEligibleList(view, '2024-06-04T17:05:00.000Z')
  t.ok(page.includes(GOODS_LIST_TITLE))
  t.notOk(page.includes(CONTAINER_LIST_TITLE), 'no container section without containers')
  t.ok(page.includes('A &amp; B &lt;Ltd&gt;'))
  t.ok(page.includes('L&quot;1'))
  t.ok(page.includes('1.234,5'), 'Vietnamese number format')
  t.ok(page.includes('03/06/2024'), 'declaration date as dd/mm/yyyy')
  t.ok(page.includes('3 – Đỏ'))
  t.ok(page.includes('Giải phóng hàng'))
  t.ok(page.includes('Ngày in: 05/06/2024 00:05'), 'printed time in Vietnam time')
  t.equal(formatTime('2024-06-04T02:30:00Z'), '04/06/2024 09:30')
  t.equal(formatNumber(100000), '100.000')
})
