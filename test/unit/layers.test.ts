import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, normalize, relative} from 'node:path'

import {describe, expect, it} from 'vitest'

/**
 * The shape of src/, as drawn in docs/ARCHITECTURE.md: commands (oclif, prompts, output, exit codes)
 * → renderers → capability modules → AWS access → text and utilities. A module may import from its
 * own layer or one below, never above; capability modules and everything under them never print,
 * prompt, read stdin, install signal handlers or exit.
 */

const SRC = join(import.meta.dirname, '../../src')

const LAYERS: Record<string, number> = {
  text: 0,
  util: 0,
  'errors.ts': 0,
  aws: 1,
  permissions: 2,
  traces: 2,
  tracing: 2,
  iac: 2,
  doctor: 2,
  stats: 2,
  map: 2,
  render: 3,
  cli: 4,
  commands: 4,
  hooks: 4,
}
const NAMES = ['text and utilities', 'AWS access', 'capabilities', 'renderers', 'commands']

function files(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))
}

function layerOf(file: string): number {
  const top = relative(SRC, file).split(/[/\\]/)[0]!
  const layer = LAYERS[top]
  if (layer === undefined) throw new Error(`${relative(SRC, file)} is in no layer: add its directory to LAYERS (and to docs/ARCHITECTURE.md)`)
  return layer
}

function importsOf(file: string, source = readFileSync(file, 'utf8')): string[] {
  return [...source.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)].map((match) => normalize(join(dirname(file), match[1]!.replace(/\.js$/, '.ts'))))
}

const ALL = files(SRC)

function upwardImports(file: string, source?: string): string[] {
  return importsOf(file, source)
    .filter((target) => layerOf(target) > layerOf(file))
    .map((target) => `${relative(SRC, file)} (${NAMES[layerOf(file)]}) imports ${relative(SRC, target)} (${NAMES[layerOf(target)]})`)
}

describe('the layers of src/', () => {
  it('every module belongs to a layer', () => {
    for (const file of ALL) expect(() => layerOf(file)).not.toThrow()
  })

  it('no module imports from a layer above its own', () => {
    expect(ALL.flatMap((file) => upwardImports(file))).toEqual([])
  })

  it('below the commands, nothing prints, prompts, reads stdin, handles signals or exits', () => {
    const forbidden = [
      /process\.(stdout|stderr)\.write/,
      /console\.(log|error|warn)/,
      /process\.exit\(/,
      /process\.on\('SIG/,
      /readFileSync\(0\b/,
      /process\.stdin/,
      /@oclif\/core/,
      /@inquirer\//,
    ]
    const offenders = ALL.filter((file) => layerOf(file) < 4).flatMap((file) => {
      const source = readFileSync(file, 'utf8')
      return forbidden.filter((pattern) => pattern.test(source)).map((pattern) => `${relative(SRC, file)}: ${pattern.source}`)
    })
    expect(offenders).toEqual([])
  })

  it('the check itself sees an upward import, and allows a downward one', () => {
    const planted = join(SRC, 'aws', 'planted.ts')
    expect(upwardImports(planted, "import {renderChanges} from '../render/changes.js'\nimport {sanitize} from '../text/sanitize.js'\n")).toEqual([
      'aws/planted.ts (AWS access) imports render/changes.ts (renderers)',
    ])
    expect(upwardImports(join(SRC, 'cli', 'planted.ts'), "import {applyPlan} from '../tracing/apply.js'\n")).toEqual([])
  })
})
