import t from 'tap'
import { containerCheckDigit, isValidContainerNumber, isValidTaxCode, normalizeContainerNumber, taxCheckDigit } from '../../src/services/identifiers.ts'

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

t.test('an individual\'s 12-digit personal identification number is a tax code; its province prefix is checked', async (t) => {
  t.ok(isValidTaxCode('079203012345'), 'born in TP. Hồ Chí Minh (079)')
  t.ok(isValidTaxCode('001099000001'), 'Hà Nội (001)')
  t.ok(isValidTaxCode('096300123456'), 'Cà Mau (096), the last province code')
  t.notOk(isValidTaxCode('000203012345'), 'no province 000')
  t.notOk(isValidTaxCode('097203012345'), 'no province above 096')
  t.notOk(isValidTaxCode('07920301234'), '11 digits')
  t.notOk(isValidTaxCode('0792030123456'), '13 digits without the dash')
})

t.test('container numbers as officers type them', async (t) => {
  t.equal(normalizeContainerNumber('msku 907032 3'), 'MSKU9070323')
  t.equal(normalizeContainerNumber(' MSKU 907032-3 '), 'MSKU9070323')
  t.equal(normalizeContainerNumber('csqu3054383'), 'CSQU3054383')
  t.notOk(isValidContainerNumber(normalizeContainerNumber('msku 907032-4')), 'a wrong check digit stays wrong')
})
