import t from 'tap'
type X = { a: number }
const x: X = { a: 1 }
t.equal(x.a, 1)
