import type {Interrupts} from '../interrupts.js'

/** What a command body gets from the entry that runs it (oclif's or the lean one). */
export interface CommandRun<Flags> {
  /** The words after the command's name. */
  argv: string[]
  /** Whether the result is printed as JSON (oclif's rule: `--json`, or XTRACE_CONTENT_TYPE=json). */
  json: boolean
  /** The name the CLI is run by (oclif's config.bin), for the commands suggested in messages. */
  bin: string
  /** Ctrl-C and SIGTERM for a body that changes AWS (interrupts.ts); the entry says when its output is written. */
  interrupts: Interrupts
  /** Parses with the command's own flag definitions. Called first, before anything is printed. */
  parse(argv: string[]): Promise<{flags: Flags; argv: unknown[]}>
}
