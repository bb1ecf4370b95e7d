import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {BIN, cleanEnv, fixture, ROOT, runCli} from '../harness/cli.js'

/**
 * Every example in every --help can be pasted: at 80 and 120 columns each one is printed whole (the
 * help renderer never wraps a command), parses as one shell command, and those that need no AWS
 * account run and succeed.
 */

interface ManifestCommand {
  id: string
  summary?: string
  examples?: ({command: string; description?: string} | string)[]
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const commands = Object.values(manifest.commands)

/** The commands in the EXAMPLES section of a rendered help text. */
function printedExamples(help: string): string[] {
  const section = help.split('\nEXAMPLES\n')[1]?.split(/\n[A-Z][A-Z ]+\n/)[0] ?? ''
  return section
    .split('\n')
    .filter((line) => line.startsWith('    $ '))
    .map((line) => line.slice('    $ '.length))
}

/** What each command's examples say, as written in the source. */
function sourceExamples(command: ManifestCommand): string[] {
  return (command.examples ?? []).flatMap((example) => (typeof example === 'string' ? example : example.command).split('\n'))
    .map((line) => line.replaceAll('<%= config.bin %>', 'xtrace').replaceAll('<%= command.id %>', command.id))
}

/** Examples that need no AWS account: offline reading of saved traces, help, the journal. */
const offline = (command: string) => /^xtrace show (--file|-f) \S+( --details)?( --depth \d+)?( --ascii)?$/.test(command) || / --help$/.test(command) || /^xtrace restore --list/.test(command)

function help(args: string[], columns: number): string {
  return execFileSync(process.execPath, [BIN, ...args, '--help'], {env: cleanEnv({OCLIF_COLUMNS: String(columns), XTRACE_NO_HELP_CACHE: '1'}), encoding: 'utf8'})
}

describe('help that can be copied', () => {
  it.each([80, 120])('at %i columns every example is printed whole and parses as one shell command', (columns) => {
    const root = printedExamples(help([], columns))
    expect(root.length).toBeGreaterThanOrEqual(3)
    for (const command of commands.filter((c) => !['help', 'autocomplete'].includes(c.id))) {
      const printed = printedExamples(help([command.id], columns))
      expect(printed, command.id).toEqual(sourceExamples(command))
    }
    for (const line of [...root, ...commands.flatMap(sourceExamples)]) {
      const parsed = spawnSync('bash', ['-n', '-c', line], {encoding: 'utf8'})
      expect(parsed.status, `${line}\n${parsed.stderr}`).toBe(0)
    }
  })

  it('runs every example that needs no AWS account, as pasted', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'xtrace-examples-'))
    copyFileSync(fixture('drawn/lambda-async-retry.batch-get-traces.json'), join(scratch, 'trace.json'))
    // `xtrace` on PATH, as after `npm link`.
    const shim = join(scratch, 'xtrace')
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
    chmodSync(shim, 0o755)
    const runnable = [...printedExamples(help([], 80)), ...commands.flatMap(sourceExamples)].filter(offline)
    expect(runnable.length).toBeGreaterThanOrEqual(3)
    for (const line of runnable) {
      const run = spawnSync('bash', ['-c', line], {cwd: scratch, encoding: 'utf8', env: cleanEnv({PATH: `${scratch}:${process.env.PATH ?? ''}`, XDG_STATE_HOME: scratch})})
      expect(run.status, `${line}\n${run.stderr}`).toBe(0)
      expect(run.stdout.length, line).toBeGreaterThan(0)
    }
  })

  it('keeps summaries short enough for the command list at 80 columns', async () => {
    for (const command of commands) expect((command.summary ?? '').length, command.id).toBeLessThanOrEqual(62)
    const root = (await runCli(['--help'], {env: {XTRACE_NO_HELP_CACHE: '1'}})).stdout
    const list = root.split('\nCOMMANDS\n')[1]!.split('\n\n')[0]!.split('\n')
    expect(list.every((line) => /^ {2}\S/.test(line)), list.join('\n')).toBe(true)
  })

  it('describes --json in xtrace\'s own words', async () => {
    const text = (await runCli(['status', '--help'], {env: {XTRACE_NO_HELP_CACHE: '1'}})).stdout
    expect(text).toContain('--json   print the result as JSON on stdout (schema in the README); errors too')
    expect(text).not.toContain('Format output as json')
  })
})
