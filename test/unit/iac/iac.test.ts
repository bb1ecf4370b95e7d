import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {driftWarning} from '../../../src/iac/drift.js'
import {managedByFromTags, managedByLabel, parseIacTag} from '../../../src/iac/managed.js'
import {formatSnippet, stickSnippets} from '../../../src/iac/snippets.js'
import {parseTemplate, tracingInTemplate, toolOfTemplate} from '../../../src/iac/template.js'

/** The pure core of issue 15 on the templates of test/fixtures/iac (SOURCES.md). */

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/iac', name), 'utf8')

describe('templates', () => {
  it('reads YAML with short-form intrinsics and JSON alike', async () => {
    const yaml = (await parseTemplate(fixture('cloudformation-orders.yaml')))!
    const resources = yaml.Resources as Record<string, {Properties: Record<string, unknown>}>
    expect(resources.OrdersFn!.Properties.Role).toEqual({'Fn::GetAtt': ['OrdersFnRole', 'Arn']})
    expect((resources.OrdersFnRole!.Properties.ManagedPolicyArns as unknown[])[0]).toEqual({'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'})
    expect(await parseTemplate('{not json: [')).toBeUndefined()
    expect(await parseTemplate('- a list')).toBeUndefined()
  })

  it('says what each template sets the tracing of a function to', async () => {
    const orders = (await parseTemplate(fixture('cloudformation-orders.yaml')))!
    expect(tracingInTemplate(orders, 'OrdersFn')).toEqual({kind: 'literal', mode: 'PassThrough'})
    expect(tracingInTemplate(orders, 'WorkerFn')).toEqual({kind: 'absent'})
    expect(tracingInTemplate(orders, 'Nope')).toEqual({kind: 'missing'})
    // SAM as written (Globals) and as processed agree.
    const sam = (await parseTemplate(fixture('sam-shop.yaml')))!
    const processed = (await parseTemplate(fixture('sam-shop.processed.json')))!
    for (const template of [sam, processed]) {
      expect(tracingInTemplate(template, 'CartFunction')).toEqual({kind: 'literal', mode: 'Active'})
      expect(tracingInTemplate(template, 'CheckoutFunction')).toEqual({kind: 'literal', mode: 'PassThrough'})
    }
    const parameter = (await parseTemplate(fixture('parameter-tracing.yaml')))!
    expect(tracingInTemplate(parameter, 'ChargeFn')).toEqual({kind: 'computed', expression: '!If [TracingOn, Active, PassThrough]', parameters: ['EnableTracing'], resolved: 'PassThrough'})
    expect(tracingInTemplate(parameter, 'ChargeFn', {EnableTracing: 'true'})).toMatchObject({resolved: 'Active'})
    const unresolvable = {Resources: {F: {Type: 'AWS::Lambda::Function', Properties: {TracingConfig: {Mode: {'Fn::ImportValue': 'shared-mode'}}}}}}
    expect(tracingInTemplate(unresolvable, 'F')).toEqual({kind: 'computed', expression: '!ImportValue shared-mode', parameters: []})
  })

  it('tells CDK and the Serverless Framework from their marks', async () => {
    expect(toolOfTemplate((await parseTemplate(fixture('cdk-billing.template.json')))!, 'InvoiceFn8D9C1A7E')).toEqual({tool: 'cdk', path: 'BillingStack/InvoiceFn/Resource'})
    expect(toolOfTemplate((await parseTemplate(fixture('serverless-notify.json')))!, 'SendLambdaFunction')).toEqual({tool: 'serverless'})
    expect(toolOfTemplate((await parseTemplate(fixture('cloudformation-orders.yaml')))!, 'OrdersFn')).toBeUndefined()
  })
})

describe('what manages a function', () => {
  const cfn = {'aws:cloudformation:stack-name': 'shop', 'aws:cloudformation:logical-id': 'CartFunction'}
  it('reads the tags CloudFormation, SAM and Amplify leave; a team tag for Terraform; unknown otherwise', () => {
    expect(managedByFromTags(cfn)).toEqual({tool: 'cloudformation', stack: 'shop', logicalId: 'CartFunction'})
    expect(managedByFromTags({...cfn, 'lambda:createdBy': 'SAM'}).tool).toBe('sam')
    expect(managedByFromTags({...cfn, 'created-by': 'amplify', 'amplify:deployment-type': 'branch'}).tool).toBe('amplify')
    expect(managedByFromTags({team: 'x', iac: 'tf'}, [parseIacTag('iac=tf')!])).toEqual({tool: 'terraform', tag: 'iac=tf'})
    expect(managedByFromTags({iac: 'other'}, [parseIacTag('iac=tf')!])).toEqual({tool: 'unknown'})
    expect(managedByFromTags({iac: 'other'}, [parseIacTag('iac')!])).toEqual({tool: 'terraform', tag: 'iac'})
    expect(managedByFromTags(undefined)).toEqual({tool: 'unknown'})
    expect(managedByLabel({tool: 'unknown'})).toBe('?')
    expect(parseIacTag('=x')).toBeUndefined()
  })

  it('warns only when the template does not already set the new mode', () => {
    const managedBy = {tool: 'sam' as const, stack: 'shop', logicalId: 'CartFunction'}
    expect(driftWarning('shop-cart', {managedBy, template: {kind: 'literal', mode: 'Active'}}, 'Active', 'PassThrough')).toBeUndefined()
    expect(driftWarning('shop-cart', {managedBy, template: {kind: 'absent'}}, 'Active', 'PassThrough')).toBe('shop-cart is managed by AWS SAM stack shop (logical id CartFunction): the next deploy will set tracing back to PassThrough unless the template sets it')
    expect(driftWarning('x', {managedBy: {tool: 'unknown'}}, 'Active', 'PassThrough')).toBeUndefined()
  })

  it('prints one snippet per stack, SAM Globals for several functions of one template', () => {
    const sam = (logicalId: string) => ({function: logicalId, managedBy: {tool: 'sam' as const, stack: 'shop', logicalId}})
    const [globals] = stickSnippets([sam('CartFunction'), sam('CheckoutFunction')], 'PassThrough')
    expect(formatSnippet(globals!)).toBe(['AWS SAM, stack shop (CartFunction, CheckoutFunction): in the template, for every function of it', '    Globals:', '      Function:', '        Tracing: PassThrough'].join('\n'))
    const [cdk] = stickSnippets([{function: 'f', managedBy: {tool: 'cdk', stack: 'S', logicalId: 'F1', path: 'S/F/Resource'}}], 'PassThrough')
    expect(cdk!.lines).toEqual(['tracing: lambda.Tracing.PASS_THROUGH,'])
    const [nested] = stickSnippets([{function: 'f', managedBy: {tool: 'cloudformation', stack: 'root-Child-1', rootStack: 'root', logicalId: 'F'}}], 'Active')
    expect(nested!.where).toBe('stack root-Child-1 (nested in root)')
  })
})
