import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {cleanEnv, runCli} from '../harness/cli.js'
import {LocalAws, restJsonError} from '../harness/local-aws.js'
import {installIam} from '../harness/local-iam.js'
import {installLambda, type LocalLambda} from '../harness/local-lambda.js'

/**
 * Text that comes from AWS — update reasons, alias and role names, error messages, environment values —
 * carrying terminal escapes, BEL, backspace, CR and bidi overrides must reach the terminal neutralised,
 * in every command's human output, with colour on. (Real AWS restricts most of these names; xtrace does
 * not rely on it.)
 */

const HOSTILE = '\u001B]0;owned\u0007\u001B[2J\u001B[31mred\b\b\rX\u202Eevil\u0000'
/** Anything left after removing the colour codes xtrace itself writes. */
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/

function stripOwnColours(text: string): string {
  return text.replace(/\u001B\[[0-9;]*m/g, '')
}

let aws: LocalAws
let lambda: LocalLambda
beforeEach(async () => {
  aws = new LocalAws()
  const iam = installIam(aws)
  lambda = installLambda(aws, {settleMs: 30, canWriteXRay: () => true})
  iam.addRole(`role${HOSTILE}`, {attached: ['arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess']})
  const fn = lambda.add('api', {
    Role: `arn:aws:iam::123456789012:role/role${HOSTILE}`,
    LastUpdateStatus: 'Failed',
    LastUpdateStatusReason: `disk full ${HOSTILE}`,
    Environment: {Variables: {AWS_XRAY_CONTEXT_MISSING: HOSTILE}},
  })
  lambda.publish('api', `prod${HOSTILE}`)
  fn.LastUpdateStatus = 'Failed'
  await aws.start()
})
afterEach(() => aws.stop())

describe('terminal safety of AWS-provided text', () => {
  it('status, doctor, enable and its AWS error messages print no raw control or bidi characters', async () => {
    const env = {FORCE_COLOR: '1', XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'xtrace-safe-')), XTRACE_POLL_SECONDS: '0.05'}
    aws.route('lambda', 'UpdateFunctionConfiguration', () => restJsonError(400, 'InvalidParameterValueException', `bad ${HOSTILE}`))
    const runs = [
      await runCli(['status', '--endpoint-url', aws.url], {env}),
      await runCli(['doctor', 'api', '--verbose', '--endpoint-url', aws.url], {env}),
      await runCli(['enable', 'api', '--endpoint-url', aws.url], {env}),
      await runCli(['enable', 'api', '--endpoint-url', aws.url, '--debug'], {env}),
    ]
    const secret = cleanEnv().AWS_SECRET_ACCESS_KEY!
    for (const result of runs) {
      for (const output of [result.stdout, result.stderr]) {
        // Never a credential, never the presigned code URL GetFunction returns, also with --debug.
        expect(output).not.toContain(secret)
        expect(output).not.toContain('X-Amz-Signature')
        const plain = stripOwnColours(output).replace(/\n/g, '')
        expect(plain).not.toMatch(UNSAFE)
      }
    }
    // The hostile text is shown, made visible, not dropped.
    expect(stripOwnColours(runs[1]!.stdout)).toContain('the last update Failed: disk full \\x1b]0;owned\\x07')
    expect(stripOwnColours(runs[0]!.stdout)).toContain('Failed')
    expect(stripOwnColours(runs[2]!.stdout)).toMatch(/failed\s+lambda:UpdateFunctionConfiguration failed: InvalidParameterValueException: bad /)
  })
})

describe('terminal safety of trace files', () => {
  it('show --details: names, annotations, metadata, exceptions with escapes, C1 controls, bidi and invalid UTF-8', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xtrace-safe-file-'))
    const nasty = `${HOSTILE}\u009B2J\u0085\u2028`
    const doc = {
      id: '70de5b6f19ff9a0a', trace_id: '1-581cf771-a006649127e371903a2de979', name: `svc${nasty}`, start_time: 1478293361.271, end_time: 1478293361.449,
      annotations: {[`key${nasty}`]: `value${nasty}`},
      metadata: {default: {[`m${nasty}`]: {deep: nasty}}},
      fault: true,
      cause: {working_directory: nasty, exceptions: [{id: 'e1', message: `boom${nasty}`, type: `Err${nasty}`, stack: [{path: nasty, line: 1, label: nasty}]}]},
      subsegments: [{id: '70de5b6f19ff9a0b', name: `sub${nasty}`, start_time: 1478293361.3, end_time: 1478293361.4, http: {request: {url: `https://x/${nasty}`, method: 'GET'}}}],
    }
    // Invalid UTF-8 inside a string: a lone continuation byte and a cut multi-byte sequence.
    const text = Buffer.concat([Buffer.from(JSON.stringify([doc]).replace('"svc', '"svc\\u0007')), Buffer.alloc(0)])
    const bytes = Buffer.from(text.toString('utf8').replace('value', 'va\uFFFFlue'), 'utf8')
    const invalid = Buffer.concat([bytes.subarray(0, 20), Buffer.from([0x80, 0xc3]), bytes.subarray(20)])
    const path = join(dir, 'nasty.json')
    writeFileSync(path, invalid)
    const clean = join(dir, 'nasty-valid.json')
    writeFileSync(clean, bytes)
    for (const file of [path, clean]) {
      const result = await runCli(['show', '--file', file, '--details'], {env: {FORCE_COLOR: '1'}})
      expect([0, 1]).toContain(result.code)
      for (const output of [result.stdout, result.stderr]) expect(stripOwnColours(output).replace(/\n/g, '')).not.toMatch(UNSAFE)
    }
    const shown = await runCli(['show', '--file', clean, '--details'], {env: {FORCE_COLOR: '1'}})
    expect(shown.code).toBe(0)
    expect(stripOwnColours(shown.stdout)).toContain('boom\\x1b]0;own')
  })
})
