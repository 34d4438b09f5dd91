// One check of a verdict, as every harness reports it (the drills, the restore drills, the cluster
// tests): what was judged, the value seen and the limit. A run passes when every check does.
export interface VerdictCheck {
  name: string
  pass: boolean
  value: string
  limit: string
}

export function check(name: string, pass: boolean, value: string, limit: string): VerdictCheck {
  return { name, pass, value, limit }
}

export function verdictOf(checks: VerdictCheck[]): { pass: boolean; checks: VerdictCheck[] } {
  return { pass: checks.length > 0 && checks.every((c) => c.pass), checks }
}

/** The failed checks as one line each, for a test's message or a log. */
export function failedChecks(checks: VerdictCheck[]): string[] {
  return checks.filter((c) => !c.pass).map((c) => `${c.name}: ${c.value} (${c.limit})`)
}
