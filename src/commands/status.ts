import {Args, Flags, ux} from '@oclif/core'

import {type AccountTarget, reachAccounts, spansAccounts, targetFinder} from '../aws/accounts.js'
import {XtraceCommand} from '../cli/base-command.js'
import {accountFlags, accountScopeFrom, awsOptionsFrom, iacFlags, iacTagsFrom, multiRegionAwsFlags, pacingFlags, ratesFrom, selectionFlags} from '../cli/flags.js'
import {readIac} from '../iac/stacks.js'
import {ExitCode} from '../errors.js'
import {renderAccountFailures} from '../render/changes.js'
import {currentTerminal, makeChalk} from '../cli/output.js'
import {renderStatus} from '../render/status.js'
import {type FunctionState, selectInAccounts} from '../tracing/select.js'
import {collectStatus, type StatusJson, summariseByAccount, summariseStatus} from '../tracing/status.js'
import {selectionFromArgs} from '../cli/selection.js'

export default class Status extends XtraceCommand {
  static override summary = 'Show tracing modes, and whether traces can arrive.'

  static override description = [
    'A table of the selected functions (default: every function in the region): tracing mode, runtime, memory, execution role, whether the role may write to X-Ray, the last update\'s status, what deploys it (a deploy can set the mode back), and aliases that point at published versions (whose mode is frozen), then the coverage: how many are Active.',
    'On a pipe the columns are plain and never cut, for awk and friends; --json gives everything.',
    'EXIT CODES\n  0  the status was shown\n  1  a name was not found or an AWS call failed\n  2  usage error',
  ].join('\n\n')

  static override examples = [
    {description: 'Every function in the current region', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Some functions, in two regions', command: '<%= config.bin %> <%= command.id %> --match "orders-*" --region us-east-1 --region eu-west-1'},
    {description: 'Coverage of every account of the organization', command: '<%= config.bin %> <%= command.id %> --org --no-aliases'},
    {description: 'Names of the functions not yet Active', command: '<%= config.bin %> <%= command.id %> --json | jq -r \'.functions[] | select(.mode != "Active") | .function\''},
  ]

  static override strict = false

  static override args = {
    function: Args.string({description: 'function names or ARNs, or - to read names from stdin (default: all)', ignoreStdin: true}),
  }

  static override flags = {
    aliases: Flags.boolean({description: 'look up aliases on published versions (one call per function; --no-aliases skips it)', default: true, allowNo: true}),
    roles: Flags.boolean({description: 'check each execution role\'s X-Ray permissions in IAM (--no-roles skips it)', default: true, allowNo: true}),
    iac: Flags.boolean({description: 'say what deploys each function: CloudFormation, SAM, CDK, Serverless, Amplify (tags, and each stack\'s template once; --no-iac skips it)', default: true, allowNo: true}),
    ...iacFlags,
    ...selectionFlags,
    ...accountFlags,
    ...multiRegionAwsFlags,
    ...pacingFlags,
  }

  public async run(): Promise<StatusJson> {
    const {argv, flags} = await this.parse(Status)
    const selection = selectionFromArgs(argv as string[], flags)
    const scope = accountScopeFrom(flags, 'status')
    const iacTags = iacTagsFrom(flags)
    const spinner = !this.jsonEnabled() && process.stderr.isTTY === true
    const reached = await reachAccounts(awsOptionsFrom(flags), scope, ratesFrom(flags))
    const failures = [...reached.failures]
    if (spinner) ux.action.start('Reading functions')
    const statuses = await (async () => {
      const selected = await selectInAccounts(reached.targets, flags.region ?? [], selection, {defaultAll: true, warn: (w) => this.printToStderr(`warning: ${w}`)})
      failures.push(...selected.failures)
      if (spinner) ux.action.status = `${selected.functions.length} functions`
      const targetOf = targetFinder(reached.targets)
      const byTarget = new Map<AccountTarget, FunctionState[]>()
      for (const fn of selected.functions) byTarget.set(targetOf(fn), [...(byTarget.get(targetOf(fn)) ?? []), fn])
      const parts = await Promise.all(
        [...byTarget].map(async ([target, functions]) => {
          const iac = flags.iac ? await readIac(target.regional, functions, {iacTags, templates: true}) : undefined
          for (const warning of iac?.warnings ?? []) this.printToStderr(`warning: ${warning}`)
          return collectStatus(target.regional, functions, {aliases: flags.aliases, roles: flags.roles, ...(iac ? {managed: iac.managed} : {})})
        }),
      )
      return parts.flat()
    })()
      .finally(() => spinner && ux.action.stop())
      .finally(() => reached.destroy())
    const spanning = spansAccounts(scope)
    if (!this.jsonEnabled()) {
      const terminal = currentTerminal()
      const style = {chalk: makeChalk(terminal), accounts: spanning, ...(terminal.isTTY && terminal.columns ? {width: terminal.columns} : {})}
      this.log(renderStatus(statuses, style))
      if (failures.length > 0) this.log(`\n${renderAccountFailures(failures, {...style, bin: this.config.bin})}`)
    }
    if (failures.length > 0) process.exitCode = ExitCode.failed
    return {
      functions: statuses,
      summary: summariseStatus(statuses),
      ...(spanning ? {accounts: summariseByAccount(statuses)} : {}),
      ...(spanning || failures.length > 0 ? {accountFailures: failures} : {}),
    }
  }
}
