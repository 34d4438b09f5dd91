import t from 'tap'
import { containerCheckDigit, isValidContainerNumber, isValidTaxCode, taxCheckDigit } from '../../src/services/identifiers.ts'

t.test('ISO 6346 check digits of known containers', async (t) => {
  // CSQU3054383 is the ISO 6346 standard's own example; MSKU9070323 a real Maersk box.
  for (const c of ['CSQU3054383', 'MSKU9070323']) t.ok(isValidContainerNumber(c), c)
  t.equal(containerCheckDigit('CSQU305438'), 3)
  t.notOk(isValidContainerNumber('CSQU3054384'), 'wrong check digit')
  t.notOk(isValidContainerNumber('CSQA3054383'), 'category letter must be U, J or Z')
  t.notOk(isValidContainerNumber('csqu3054383'), 'lower case')
})

t.test('tax code check digit', async (t) => {
  const base = '010010027'
  const digit = taxCheckDigit(base)
  t.ok(digit >= 0 && digit <= 10)
  if (digit < 10) {
    t.ok(isValidTaxCode(base + digit))
    t.ok(isValidTaxCode(`${base}${digit}-001`), 'dependent unit form')
    t.notOk(isValidTaxCode(base + ((digit + 1) % 10)))
  }
  t.notOk(isValidTaxCode('12345'))
})
