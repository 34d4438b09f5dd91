// Every drill, in the order `npm run drill -- --list` shows them. Listed by hand: which drills exist
// is a decision, not a side effect of a file lying in a folder.
import type { Drill } from '../drill-definition.ts'
import incident from './incident-2019-01-25.ts'
import appNodeCrash from './app-node-crash.ts'
import appNodeFreeze from './app-node-freeze.ts'
import primaryFreeze from './primary-freeze.ts'
import replicaLoss from './replica-loss.ts'
import etcdMemberLoss from './etcd-member-loss.ts'
import etcdQuorumLoss from './etcd-quorum-loss.ts'
import redisMasterPowerLoss from './redis-master-power-loss.ts'
import secondFailure from './second-failure.ts'
import rollingDeploy from './rolling-deploy.ts'
import certificateRotation from './certificate-rotation.ts'
import redisAllDown from './redis-all-down.ts'
import primaryReplicaPartition from './primary-replica-partition.ts'
import loadBalancerLoss from './load-balancer-loss.ts'
import wholeHostLoss from './whole-host-loss.ts'

export const DRILLS: readonly Drill[] = [
  incident,
  primaryFreeze,
  appNodeCrash,
  appNodeFreeze,
  replicaLoss,
  etcdMemberLoss,
  etcdQuorumLoss,
  redisMasterPowerLoss,
  redisAllDown,
  loadBalancerLoss,
  wholeHostLoss,
  rollingDeploy,
  certificateRotation,
  // Last: both refuse writes cleanly by design (503 while one copy is all there is), and those 5xx
  // rightly keep the availability burn-rate alerts (30-minute and 6-hour windows, for: 15m) pending
  // for up to half an hour. Run earlier, they would fire during a later drill that must not see them.
  secondFailure,
  primaryReplicaPartition,
]

export function findDrill(name: string): Drill | undefined {
  return DRILLS.find((d) => d.name === name)
}
