// Where the project's one command line lives, for the programs that run one of its commands as a
// child (the test suite's stages, a drill that brings the cluster back, a rebuild, the lab test).
import { join } from 'node:path'
import { REPO_ROOT } from './inventory.ts'

/** The CLI's Node entry; people reach it through `npm run <command>` or infra/launcher/tqdt.sh. */
export const CLI_ENTRY = join(REPO_ROOT, 'infra/launcher/tqdt-cli.ts')

/** argv that runs one command of the CLI with this Node (already the project's: it runs us). */
export function cliArgv(...args: string[]): string[] {
  return [process.execPath, CLI_ENTRY, ...args]
}
