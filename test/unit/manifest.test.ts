import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ROOT} from '../harness/cli.js'

describe('oclif.manifest.json', () => {
  it('lists exactly the commands in src/commands (a stale manifest hides commands)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    const files = readdirSync(join(ROOT, 'src/commands'))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => file.replace(/\.ts$/, ''))
    expect(Object.keys(manifest.commands).sort()).toEqual(files.sort())
  })
})
