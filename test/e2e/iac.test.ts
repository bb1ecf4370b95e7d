import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import type {ChangeJson} from '../../src/render/changes.js'
import type {StatusJson} from '../../src/tracing/status.js'
import {type LocalAccount, roleArn, STACK_TRACE, startLocalAccount} from '../harness/account.js'
import {runCli} from '../harness/cli.js'
import {installCloudFormation, type LocalCloudFormation, type LocalStack} from '../harness/local-cloudformation.js'

/**
 * Functions deployed by infrastructure as code, end to end: one stack each of plain CloudFormation,
 * SAM (Globals; Original and Processed stages), CDK (aws:cdk:path), the Serverless Framework, a
 * nested stack and a template whose tracing comes from a parameter (test/fixtures/iac/SOURCES.md),
 * tagged as CloudFormation tags what it deploys; one function tagged for Terraform; one made by hand.
 */

const FIXTURES = join(import.meta.dirname, '../fixtures/iac')
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8')

let account: LocalAccount
let cfn: LocalCloudFormation
const stacks: Record<string, LocalStack> = {}

beforeAll(async () => {
  account = await startLocalAccount({settleMs: 50})
  cfn = installCloudFormation(account.aws, account.lambda)
  const role = roleArn('traced-role')
  stacks.orders = cfn.addStack('orders-stack', {original: fixture('cloudformation-orders.yaml')})
  cfn.deploy(stacks.orders, 'OrdersFn', 'orders-api', {role})
  cfn.deploy(stacks.orders, 'WorkerFn', 'orders-worker', {role})
  stacks.shop = cfn.addStack('shop', {original: fixture('sam-shop.yaml'), processed: fixture('sam-shop.processed.json')})
  cfn.deploy(stacks.shop, 'CartFunction', 'shop-cart', {role, mode: 'Active', extraTags: {'lambda:createdBy': 'SAM'}})
  cfn.deploy(stacks.shop, 'CheckoutFunction', 'shop-checkout', {role, extraTags: {'lambda:createdBy': 'SAM'}})
  stacks.billing = cfn.addStack('BillingStack', {original: fixture('cdk-billing.template.json')})
  cfn.deploy(stacks.billing, 'InvoiceFn8D9C1A7E', 'billing-invoice', {role})
  stacks.notify = cfn.addStack('notify-prod', {original: fixture('serverless-notify.json')})
  cfn.deploy(stacks.notify, 'SendLambdaFunction', 'notify-prod-send', {role})
  stacks.platform = cfn.addStack('platform', {original: fixture('nested-platform.yaml')})
  stacks.search = cfn.addStack('platform-SearchStack-1QX2Y3Z4W5V6', {original: fixture('nested-search.yaml'), parent: stacks.platform})
  cfn.deploy(stacks.search, 'IndexerFn', 'search-indexer', {role, mode: 'Active'})
  stacks.payments = cfn.addStack('payments', {original: fixture('parameter-tracing.yaml'), parameters: {EnableTracing: 'false'}})
  cfn.deploy(stacks.payments, 'ChargeFn', 'payments-charge', {role})
  account.lambda.add('reports-api', {Role: role, tags: {team: 'reports', 'managed-by': 'terraform'}})
  account.lambda.add('hand-made', {Role: role})
})
afterAll(async () => {
  await account.aws.stop()
})
beforeEach(() => {
  account.aws.requests.length = 0
  cfn.denied.clear()
})

const env = () => ({AWS_ENDPOINT_URL: account.aws.url, XDG_STATE_HOME: account.state, XTRACE_POLL_SECONDS: '0.05'})
const xtrace = (args: string[]) => runCli(args, {env: env()})

describe('functions deployed by infrastructure as code', () => {
  it('status: a MANAGED BY column and a managedBy object, each stack read once', async () => {
    const {code, stdout, stderr} = await xtrace(['status', '--no-aliases', '--no-roles', '--iac-tag', 'managed-by=terraform'])
    expect(stderr).not.toMatch(STACK_TRACE)
    expect(code).toBe(0)
    const row = (name: string) => stdout.split('\n').find((line) => line.startsWith(`${name} `))!
    expect(stdout).toMatch(/^FUNCTION\s+MODE\s+.*LAST UPDATE\s+PUBLISHED ALIASES\s+MANAGED BY\n/)
    expect(row('orders-api')).toMatch(/cfn:orders-stack\/OrdersFn$/)
    expect(row('shop-cart')).toMatch(/sam:shop\/CartFunction$/)
    expect(row('billing-invoice')).toMatch(/cdk:BillingStack\/InvoiceFn$/)
    expect(row('notify-prod-send')).toMatch(/serverless:notify-prod\/SendLambdaFunction$/)
    expect(row('search-indexer')).toMatch(/cfn:platform-SearchStack-1QX2Y3Z4W5V6\/IndexerFn$/)
    expect(row('reports-api')).toMatch(/terraform:managed-by=terraform$/)
    expect(row('hand-made')).toMatch(/\?$/)
    // One tagging call for the region, and each stack's template and parameters once.
    expect(account.aws.calls('GetResources', 'tagging')).toHaveLength(1)
    expect(account.aws.calls('GetTemplate', 'cloudformation')).toHaveLength(6)
    expect(account.aws.calls('DescribeStacks', 'cloudformation')).toHaveLength(6)

    const json = JSON.parse((await xtrace(['status', 'billing-invoice', 'search-indexer', 'hand-made', '--no-aliases', '--no-roles', '--json'])).stdout) as StatusJson
    expect(json.functions.map((fn) => fn.managedBy)).toEqual([
      {tool: 'cdk', stack: 'BillingStack', stackId: stacks.billing!.id, logicalId: 'InvoiceFn8D9C1A7E', path: 'BillingStack/InvoiceFn/Resource'},
      {tool: 'unknown'},
      {tool: 'cloudformation', stack: 'platform-SearchStack-1QX2Y3Z4W5V6', stackId: stacks.search!.id, logicalId: 'IndexerFn', rootStack: 'platform'},
    ])
  })

  it('enable: the plan says what the next deploy will do, and the exact change that makes it stick', async () => {
    const {code, stdout} = await xtrace(['enable', 'orders-api', 'orders-worker', 'shop-checkout', 'billing-invoice', 'notify-prod-send', 'shop-cart', 'reports-api', '--iac-tag', 'managed-by=terraform', '--dry-run'])
    expect(code).toBe(0)
    expect(stdout).toContain('! orders-api is managed by stack orders-stack (logical id OrdersFn): the next deploy will set tracing back to PassThrough unless the template sets it')
    expect(stdout).toContain('! shop-checkout is managed by AWS SAM stack shop (logical id CheckoutFunction): the next deploy will set tracing back to PassThrough unless the template sets it')
    expect(stdout).toContain('! reports-api is managed by Terraform (tag managed-by=terraform): the next terraform apply will set tracing back to PassThrough unless the configuration sets it')
    // shop-cart is Active already; nothing to say about it.
    expect(stdout).not.toContain('! shop-cart')
    const snippets = stdout.slice(stdout.indexOf('To make it stick'))
    expect(snippets).toContain(['CloudFormation, stack orders-stack (OrdersFn, WorkerFn): in each function\'s Properties', '    TracingConfig:', '      Mode: Active'].join('\n'))
    expect(snippets).toContain(['AWS SAM, stack shop (CheckoutFunction): in the function\'s Properties', '    Tracing: Active'].join('\n'))
    expect(snippets).toContain(['the AWS CDK, stack BillingStack (BillingStack/InvoiceFn): in each function\'s props', '    tracing: lambda.Tracing.ACTIVE,'].join('\n'))
    expect(snippets).toContain(['the Serverless Framework, stack notify-prod (SendLambdaFunction): in serverless.yml', '    provider:', '      tracing:', '        lambda: true'].join('\n'))
    expect(snippets).toContain(['Terraform, functions tagged managed-by=terraform (reports-api): in each aws_lambda_function resource', '    tracing_config {', '      mode = "Active"', '    }'].join('\n'))
  })

  it('enable --json carries managedBy and drift; a computed mode names its parameter; --skip-managed leaves them alone', async () => {
    const dry = JSON.parse((await xtrace(['enable', 'payments-charge', 'hand-made', '--dry-run', '--json'])).stdout) as ChangeJson
    expect(dry.results.map((r) => [r.function, r.managedBy?.tool, r.drift])).toEqual([
      ['hand-made', undefined, undefined],
      ['payments-charge', 'cloudformation', 'payments-charge is managed by stack payments (logical id ChargeFn): the next deploy will set tracing back to PassThrough unless the template sets it'],
    ])

    const skipped = await xtrace(['enable', 'orders-api', 'hand-made', '--skip-managed', '--yes', '--json'])
    expect(skipped.code).toBe(0)
    const json = JSON.parse(skipped.stdout) as ChangeJson
    expect(json.results.map((r) => [r.function, r.status])).toEqual([['hand-made', 'changed'], ['orders-api', 'skipped']])
    expect(json.results[1]!.managedBy).toMatchObject({tool: 'cloudformation', stack: 'orders-stack', logicalId: 'OrdersFn'})
    expect(account.lambda.get('orders-api')!.TracingConfig.Mode).toBe('PassThrough')
    expect(account.aws.calls('UpdateFunctionConfiguration')).toHaveLength(1)
    const text = await xtrace(['enable', 'hand-made', 'orders-worker', '--skip-managed', '--yes'])
    expect(text.stdout).toMatch(/orders-worker\s+PassThrough\s+PassThrough\s+skipped\s+managed by cfn:orders-stack\/WorkerFn: left alone \(--skip-managed\)/)
  })

  it('doctor: iac.template agrees, drifts, is computed or cannot be read', async () => {
    account.lambda.get('orders-api')!.TracingConfig.Mode = 'Active'
    const run = async () => JSON.parse((await xtrace(['doctor', 'orders-api', 'shop-cart', 'payments-charge', 'search-indexer', 'hand-made', '--json', '--since', '1m'])).stdout) as {checks: {id: string; function?: string; status: string; message: string}[]}
    const iacCheck = (json: Awaited<ReturnType<typeof run>>, name: string) => json.checks.find((c) => c.function === name && c.id === 'iac.template')
    const json = await run()
    expect(iacCheck(json, 'orders-api')).toMatchObject({status: 'warn', message: 'live Active, template PassThrough (stack orders-stack, OrdersFn): the next deploy turns tracing off'})
    expect(iacCheck(json, 'shop-cart')).toMatchObject({status: 'ok', message: 'the template sets Active, as live (stack shop, CartFunction)'})
    expect(iacCheck(json, 'search-indexer')).toMatchObject({status: 'ok', message: 'the template sets Active, as live (stack platform-SearchStack-1QX2Y3Z4W5V6 nested in platform, IndexerFn)'})
    expect(iacCheck(json, 'payments-charge')).toMatchObject({status: 'unknown', message: 'the template computes the mode: !If [TracingOn, Active, PassThrough] (stack payments, ChargeFn); with the stack\'s parameters now (EnableTracing = false) it gives PassThrough, as live'})
    expect(iacCheck(json, 'hand-made')).toBeUndefined()

    // --fix never edits a template: it prints the change, once per stack, for what it finds and what it sets.
    const fix = await xtrace(['doctor', 'orders-api', 'orders-worker', '--fix', '--dry-run', '--since', '1m'])
    expect(fix.stdout).toContain(['Make it stick in the templates (xtrace never edits them):', "  CloudFormation, stack orders-stack (OrdersFn, WorkerFn): in each function's Properties", '      TracingConfig:', '        Mode: Active'].join('\n'))
    const fixJson = JSON.parse((await xtrace(['doctor', 'orders-api', 'orders-worker', '--fix', '--dry-run', '--since', '1m', '--json'])).stdout) as {templateChanges: {tool: string; where: string; targets: string[]; lines: string[]}[]}
    expect(fixJson.templateChanges).toMatchObject([{tool: 'cloudformation', where: 'stack orders-stack', targets: ['OrdersFn', 'WorkerFn'], lines: ['TracingConfig:', '  Mode: Active']}])

    cfn.denied.add('GetTemplate')
    const denied = await run()
    expect(iacCheck(denied, 'orders-api')!.status).toBe('unknown')
    expect(iacCheck(denied, 'orders-api')!.message).toMatch(/^cannot read the template of stack orders-stack: .*cloudformation:GetTemplate/)
    account.lambda.get('orders-api')!.TracingConfig.Mode = 'PassThrough'
  })
})
