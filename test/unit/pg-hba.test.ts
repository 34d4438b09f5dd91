// Who may connect to PostgreSQL as whom (issue 13.1), as the Patroni renderer writes it: on real
// hosts (infra/inventory/production.json) each role only from the hosts of its job, the superuser only
// over the local socket, TCP only with TLS and every password checked with scram-sha-256; on the loopback lab 127.0.0.1 is
// added (clients there that do not bind their own address leave from it). The refusals on a running
// cluster: test/cluster/pg-hba.test.ts.
import t from 'tap'
import { loadInventory } from '../../infra/launcher/inventory.ts'
import { pgHbaRules } from '../../infra/launcher/render/patroni-config.ts'

t.test('production: each role only from the hosts of its job', async (t) => {
  const rules = pgHbaRules(loadInventory('infra/inventory/production.json'))
  t.same(rules, [
    'local all postgres peer map=superuser',
    'hostssl replication replicator 10.213.0.31/32 scram-sha-256',
    'hostssl replication replicator 10.213.0.32/32 scram-sha-256',
    'hostssl replication replicator 10.213.0.33/32 scram-sha-256',
    'hostssl postgres rewinder 10.213.0.31/32 scram-sha-256',
    'hostssl postgres rewinder 10.213.0.32/32 scram-sha-256',
    'hostssl postgres rewinder 10.213.0.33/32 scram-sha-256',
    'hostssl tqdt tqdt,tqdt_owner 10.213.0.11/32 scram-sha-256',
    'hostssl tqdt tqdt,tqdt_owner 10.213.0.12/32 scram-sha-256',
    'hostssl tqdt tqdt,tqdt_owner 10.213.0.250/32 scram-sha-256',
    'hostssl postgres tqdt_monitor 10.213.0.31/32 scram-sha-256',
    'hostssl postgres tqdt_monitor 10.213.0.32/32 scram-sha-256',
    'hostssl postgres tqdt_monitor 10.213.0.33/32 scram-sha-256',
    'hostssl postgres tqdt_monitor 10.213.0.250/32 scram-sha-256',
    'hostnossl all all 0.0.0.0/0 reject',
    'hostnossl replication all 0.0.0.0/0 reject',
  ])
  const admitting = rules.filter((r) => !r.endsWith(' reject'))
  t.notOk(admitting.some((r) => / all all /.test(r) || /0\.0\.0\.0|\/(?!32)\d+ /.test(r)), 'no catch-all admission, no network wider than one host')
  t.notOk(rules.some((r) => r.startsWith('hostssl') && (r.split(' ')[2] ?? '').split(',').includes('postgres')), 'the superuser never over TCP')
  t.ok(rules.filter((r) => r.startsWith('hostssl')).every((r) => r.endsWith(' scram-sha-256')), 'TLS and SCRAM on every TCP line')
  t.ok(rules.filter((r) => r.startsWith('host') && !r.startsWith('hostssl')).every((r) => r.startsWith('hostnossl ') && r.endsWith(' reject')), 'without TLS: refused')
})

t.test('the loopback lab adds 127.0.0.1 to each list and nothing else', async (t) => {
  const rules = pgHbaRules(loadInventory('infra/inventory/local.json'))
  t.ok(rules.includes('hostssl replication replicator 127.0.0.21/32 scram-sha-256'))
  t.ok(rules.includes('hostssl replication replicator 127.0.0.1/32 scram-sha-256'))
  t.ok(rules.includes('hostssl tqdt tqdt,tqdt_owner 127.0.0.10/32 scram-sha-256'), 'HAProxy, which binds its own address')
  t.notOk(rules.some((r) => r.includes('127.0.0.41')), 'the app hosts reach PostgreSQL only through HAProxy')
  t.equal(rules[0], 'local all postgres peer map=superuser')
})
