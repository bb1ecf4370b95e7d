import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {Chalk} from 'chalk'

import {renderShow} from '../../src/render/tree.js'
import {buildShowModel, type ShowModel} from '../../src/traces/model.js'
import {mergeParsedInputs, parseTraceInput} from '../../src/traces/parse.js'
import {ROOT} from './cli.js'

export const FIXTURES = join(ROOT, 'test/fixtures')

export function readFixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8')
}

/** Every X-Ray fixture file (JSON and daemon text), relative to test/fixtures; IAM policies, templates and Lambda answers are not traces. */
export function allTraceFixtures(): string[] {
  const out: string[] = []
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        // IAM policies, CloudFormation templates and Lambda's answers are not traces.
        if (entry.name !== 'iam' && entry.name !== 'iac' && entry.name !== 'lambda') visit(path)
      }
      else if (/\.(json|txt)$/.test(entry.name)) out.push(relative(FIXTURES, path))
    }
  }
  visit(FIXTURES)
  return out.sort()
}

export function modelOf(...paths: string[]): ShowModel {
  return buildShowModel(mergeParsedInputs(paths.map((path) => parseTraceInput(readFixture(path), path))))
}

export function plainRender(model: ShowModel, options: {width?: number; ascii?: boolean; details?: boolean; depth?: number} = {}): string {
  return renderShow(model, {
    width: options.width ?? 100,
    ascii: options.ascii ?? true,
    details: options.details ?? false,
    ...(options.depth === undefined ? {} : {depth: options.depth}),
    chalk: new Chalk({level: 0}),
  })
}
