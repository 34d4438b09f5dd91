// Issue 8, "Done when": archiving continues after a failover. The primary's host loses power; once a
// replica is promoted, a WAL segment closed on the new primary reaches the pgBackRest repository,
// and the new primary's pg_stat_archiver says so.
import t from 'tap'
import { archiverState, backupLayout, flushArchive, hostByName, patroniLeader, patroniLeaderHost, segmentInRepository } from '../../infra/launcher/cluster-api.ts'
import { powerLoss } from '../../chaos/faults/fault-primitives.ts'
import { inventory, repair, requireFullRedundancy, waitUntil } from '../cluster-test-kit.ts'

t.test('after the primary loses power, new WAL reaches the repository from the new primary', async (t) => {
  const inv = inventory()
  if (!t.ok(backupLayout(inv), `${inv.file} has a pgbackrest-repo host (archiving configured)`)) return
  const before = await requireFullRedundancy(inv)
  const oldLeader = before.leader!

  const pre = await flushArchive(inv)
  t.equal(pre.host, oldLeader, `before the fault ${oldLeader} archives (segment ${pre.segment} in ${(pre.waitedMs / 1000).toFixed(2)} s)`)
  t.ok(segmentInRepository(inv, pre.segment), `${pre.segment} is in the repository`)

  // A host without power, not a bare kill: peers get no reset, as from a dead server.
  const fault = powerLoss(inv, oldLeader)
  t.teardown(async () => {
    await repair(inv, [fault], (l) => t.comment(l))
  })
  await fault.prepare?.()
  await fault.inject()
  const killedAt = Date.now()
  t.comment(`power loss of ${oldLeader}`)

  const promoted = await waitUntil(60_000, async () => {
    const l = await patroniLeader(inv)
    return l && l.name !== oldLeader && l.source === 'patroni' ? l.name : null
  })
  if (!t.ok(promoted, `a replica is promoted (${promoted}) within 60 s`)) return
  t.comment(`leader ${promoted} after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`)
  await waitUntil(30_000, async () => ((await patroniLeaderHost(inv))?.name === promoted ? true : null))

  // pg_switch_wal on the new primary, then wait for its archiver (bounded): the segment is on the new timeline.
  const after = await flushArchive(inv, 60_000)
  t.equal(after.host, promoted, 'the WAL switch ran on the new primary')
  t.comment(`archive lag after the failover: segment ${after.segment} archived ${(after.waitedMs / 1000).toFixed(2)} s after pg_switch_wal`)
  const file = segmentInRepository(inv, after.segment)
  t.ok(file, `${after.segment} is in the repository (${file})`)
  t.not(after.segment.slice(0, 8), pre.segment.slice(0, 8), `the segment is on the new timeline (${after.segment.slice(0, 8)}, was ${pre.segment.slice(0, 8)})`)

  const state = await archiverState(inv, hostByName(inv, promoted!))
  t.equal(state.lastArchivedWal, after.segment, `pg_stat_archiver on ${promoted} names ${after.segment} as last archived`)
  t.ok(state.archivedCount > 0, `${promoted} has archived ${state.archivedCount} file(s) since its promotion`)
  t.ok(
    !state.lastFailedTime || (state.lastArchivedTime !== null && state.lastFailedTime < state.lastArchivedTime),
    `the new primary's last archive attempt succeeded (failed ${state.failedCount}, last failure ${state.lastFailedTime?.toISOString() ?? 'never'})`,
  )

  t.ok(await repair(inv, [fault], (l) => t.comment(l)), 'the old primary rejoins and full redundancy returns')
})
