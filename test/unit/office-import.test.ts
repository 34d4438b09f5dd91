// The office registry's CSV import: rows checked before anything is written.
import t from 'tap'
import { officesFromCsv } from '../../src/commands/offices-command.ts'

t.test('a valid file: parents may come after their children, empty optional cells are null', async (t) => {
  const { offices, problems } = officesFromCsv(
    'code,name,parentCode,city,validFrom,validTo\n' +
      '02CI,"Hải quan cửa khẩu cảng Sài Gòn khu vực I",02KV,TP. Hồ Chí Minh,2025-03-01,\n' +
      '02KV,"Chi cục Hải quan khu vực II",,TP. Hồ Chí Minh,2025-03-01,\n' +
      '02C1,"Chi cục cũ",,TP. Hồ Chí Minh,2000-01-01,2025-03-01\n',
    new Set(),
  )
  t.same(problems, [])
  t.same(offices[0], { code: '02CI', name: 'Hải quan cửa khẩu cảng Sài Gòn khu vực I', parentCode: '02KV', city: 'TP. Hồ Chí Minh', validFrom: '2025-03-01', validTo: null })
  t.equal(offices[2]?.validTo, '2025-03-01')
})

t.test('every problem is named with its line; nothing passes with one', async (t) => {
  const { problems } = officesFromCsv(
    'code,name,parentCode,city,validFrom,validTo\n' +
      '99ZZZ,A,,Hà Nội,2025-01-01,\n' +
      '02CI,,,Hà Nội,2025-01-01,\n' +
      '02CX,B,77XX,Hà Nội,2025-13,\n' +
      '02H1,C,,Hà Nội,2025-01-01,2024-01-01\n',
    new Set(['00HQ']),
  )
  t.same(problems, [
    'line 2: code "99ZZZ" is not 4 characters like 02CI',
    'line 3: name is empty',
    'line 4: validFrom "2025-13" is not YYYY-MM-DD',
    'line 5: validTo "2024-01-01" must be a YYYY-MM-DD after validFrom',
    '02CX: parent 77XX is neither registered nor in the file',
  ])
  t.same(officesFromCsv('code,name\n02CI,A\n', new Set()).problems, ['the header lacks city, validFrom'])
})
