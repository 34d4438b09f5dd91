// `--all` across layouts: a drill the current inventory cannot host runs on the layout it names
// (when that layout can host it), every other drill on the current one, and a drill no layout can
// host stays N/A — never silently dropped.
import t from 'tap'
import { loadInventory } from '../../infra/launcher/inventory.ts'
import { planLayouts } from '../../chaos/catalogue-across-layouts.ts'
import type { Drill } from '../../chaos/drill-definition.ts'
import { DRILLS } from '../../chaos/drills/drill-catalogue.ts'

const drill = (name: string, extra: Partial<Drill> = {}): Drill => ({ name, holdSeconds: 60, ...extra }) as Drill
const needsLab = (inv: { lab?: unknown }) => (inv.lab ? null : 'needs a namespace lab')

t.test('each drill on the current inventory when it can; else on its own layout; else N/A', async (t) => {
  const local = loadInventory('infra/inventory/local.json')
  const { plans, unplaced } = planLayouts(
    [
      drill('here'),
      drill('lab-drill', { requires: needsLab, layout: 'infra/inventory/production.json' }),
      drill('other-lab', { requires: needsLab, layout: 'infra/inventory/compact.json' }),
      drill('nowhere', { requires: () => 'needs something no layout has', layout: 'infra/inventory/compact.json' }),
      drill('no-layout', { requires: needsLab }),
    ],
    local,
  )
  t.same(plans, [
    { layout: null, drills: ['here'] },
    { layout: 'infra/inventory/production.json', drills: ['lab-drill'] },
    { layout: 'infra/inventory/compact.json', drills: ['other-lab'] },
  ])
  t.same(unplaced.map((u) => [u.drill, u.outcome]), [['nowhere', 'N/A'], ['no-layout', 'N/A']])
  t.match(unplaced[0]!.note, /does not apply to infra\/inventory\/local\.json: needs something no layout has/)
})

t.test('the catalogue: on the production layout every drill has a place, the compact one only for whole-host-loss', async (t) => {
  const { plans, unplaced } = planLayouts(DRILLS, loadInventory('infra/inventory/production.json'))
  t.same(unplaced, [], 'no drill left N/A')
  t.same(plans.slice(1), [{ layout: 'infra/inventory/compact.json', drills: ['whole-host-loss'] }])
  t.equal(plans[0]!.drills.length, DRILLS.length - 1, 'every other drill on the production layout itself')
  const fromLoopback = planLayouts(DRILLS, loadInventory('infra/inventory/local.json'))
  t.same(fromLoopback.unplaced, [], 'from the loopback cluster too, every drill has a place')
  t.same(fromLoopback.plans.slice(1).map((p) => p.drills), [['load-balancer-loss'], ['whole-host-loss']])
})
