import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from './cli.js'

/** Loaded with `node --import`: records every module a run resolves into the file named by XTRACE_MODULE_SPY. */
export const MODULE_SPY = join(ROOT, 'test/harness/module-spy.mjs')

interface SdkBundle {
  clients: string[]
  /** Of those, the clients whose code runs at the first import of them, not as the bundle loads. */
  later: string[]
  commands: string[]
  exports: Record<string, '*' | string[]>
  packages: Record<string, number>
}

/** What each of the lean commands' SDK bundles holds, as scripts/bundle-lean.mjs wrote it. */
export function sdkBundles(): Record<string, SdkBundle> {
  return JSON.parse(readFileSync(join(ROOT, 'dist/lean/sdk-bundles.json'), 'utf8')) as Record<string, SdkBundle>
}

/**
 * The AWS clients a run loaded, as the module spy saw them: from node_modules (oclif's path, or a client no SDK
 * bundle holds), and those of each lean SDK bundle it loaded (dist/lean/sdk-*.cjs), whether or not it called them.
 */
export function awsClientsLoaded(modules: string): string[] {
  const found = new Set(modules.match(/@aws-sdk\/client-[a-z0-9-]+/g) ?? [])
  for (const [name, bundle] of Object.entries(sdkBundles())) {
    if (modules.includes(`/dist/lean/${name}.cjs`)) for (const client of bundle.clients) found.add(`@aws-sdk/client-${client}`)
  }
  return [...found].sort()
}
