import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {assumedRoleCredentials, organizationAccounts, parseAccountIds, reachAccounts, sessionName} from '../../../src/aws/accounts.js'
import {createOrganizationsClient, createStsClient} from '../../../src/aws/clients.js'
import {LocalAws} from '../../harness/local-aws.js'

/** Reaching accounts through STS AssumeRole and Organizations, against the local endpoint. */

const aws = new LocalAws()
const saved = {...process.env}
const scope = (extra: Partial<Parameters<typeof reachAccounts>[1] & object> = {}) => ({accounts: [], org: false, ous: [], exclude: [], roleName: 'OrganizationAccountAccessRole', command: 'status', ...extra})

beforeAll(async () => {
  Object.assign(process.env, {AWS_ACCESS_KEY_ID: 'AKIAXTRACETESTKEY000', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1'})
  aws.organization = true
  aws.organizationalUnits.set('ou-prod', 'r-root')
  aws.organizationalUnits.set('ou-prod-eu', 'ou-prod')
  aws.memberAccount('111111111111', {parent: 'ou-prod'})
  aws.memberAccount('222222222222', {parent: 'ou-prod-eu'})
  aws.memberAccount('333333333333')
  aws.memberAccount('444444444444', {state: 'SUSPENDED'})
  aws.memberAccount('555555555555', {roles: []})
  aws.memberAccount('666666666666').roles.set('OrganizationAccountAccessRole', {externalId: 'sesame'})
  await aws.start()
})
afterAll(async () => {
  process.env = saved
  await aws.stop()
})
afterEach(() => {
  aws.sessionSeconds = 3600
})

describe('account ids and session names', () => {
  it('takes commas and repeats, refuses what is not 12 digits', () => {
    expect(parseAccountIds(['111111111111,222222222222', '111111111111'], '--accounts')).toEqual(['111111111111', '222222222222'])
    expect(() => parseAccountIds(['12345'], '--accounts')).toThrow(/--accounts 12345: an account id is 12 digits/)
  })

  it('names the session after xtrace and the command, within what STS accepts', () => {
    expect(sessionName('enable', new Date('2026-12-02T10:00:00.123Z'))).toBe('xtrace-enable-20261202T100000Z')
  })
})

describe('assumed-role credentials', () => {
  it('assume once for every client, and again before the session ends', async () => {
    const sts = await createStsClient({endpointUrl: aws.url, region: 'us-east-1'})
    let now = Date.now()
    const provider = assumedRoleCredentials(sts, 'arn:aws:iam::333333333333:role/OrganizationAccountAccessRole', {sessionName: 'xtrace-test', now: () => now})
    const first = await provider()
    const again = await Promise.all([provider(), provider(), provider()])
    expect(again.every((credentials) => credentials.accessKeyId === first.accessKeyId)).toBe(true)
    expect(aws.calls('AssumeRole', 'sts')).toHaveLength(1)
    // 55 minutes on: less than six minutes left, so fresh credentials.
    now += 55 * 60_000
    const later = await provider()
    expect(later.accessKeyId).not.toBe(first.accessKeyId)
    expect(aws.calls('AssumeRole', 'sts')).toHaveLength(2)
    sts.destroy()
  })

  it('does not keep a failure: the next call tries again', async () => {
    const sts = await createStsClient({endpointUrl: aws.url, region: 'us-east-1'})
    const provider = assumedRoleCredentials(sts, 'arn:aws:iam::555555555555:role/OrganizationAccountAccessRole', {sessionName: 'xtrace-test'})
    const before = aws.calls('AssumeRole', 'sts').length
    await expect(provider()).rejects.toMatchObject({name: 'AccessDenied'})
    await expect(provider()).rejects.toMatchObject({name: 'AccessDenied'})
    expect(aws.calls('AssumeRole', 'sts').length - before).toBe(2)
    sts.destroy()
  })
})

describe('the organization', () => {
  it('lists active accounts over every page, or those under an OU at any depth', async () => {
    const orgs = await createOrganizationsClient({endpointUrl: aws.url})
    expect((await organizationAccounts(orgs, [])).map((a) => a.id)).toEqual(['111111111111', '123456789012', '222222222222', '333333333333', '555555555555', '666666666666'])
    expect((await organizationAccounts(orgs, ['ou-prod'])).map((a) => a.id)).toEqual(['111111111111', '222222222222'])
    await expect(organizationAccounts(orgs, ['ou-nope'])).rejects.toThrow(/no such organizational unit/)
    orgs.destroy()
  })

  it('reaches each member through its role; the caller\'s own account only when named; failures per account', async () => {
    const reached = await reachAccounts({endpointUrl: aws.url}, scope({org: true, exclude: ['333333333333']}))
    expect(reached.targets.map((t) => [t.id, t.roleArn?.split(':')[4]])).toEqual([['111111111111', '111111111111'], ['222222222222', '222222222222']])
    expect(reached.failures.map((f) => [f.account, f.code])).toEqual([['555555555555', 'ASSUME_ROLE_DENIED'], ['666666666666', 'ASSUME_ROLE_DENIED']])
    expect(reached.failures[0]!.message).toMatch(/cannot assume role OrganizationAccountAccessRole in account 555555555555: access denied \(the role does not exist there/)
    await reached.destroy()

    const named = await reachAccounts({endpointUrl: aws.url}, scope({accounts: ['123456789012', '666666666666'], externalId: 'sesame'}))
    expect(named.targets.map((t) => [t.id, t.roleArn ?? 'own credentials'])).toEqual([['123456789012', 'own credentials'], ['666666666666', 'arn:aws:iam::666666666666:role/OrganizationAccountAccessRole']])
    expect(named.failures).toEqual([])
    await named.destroy()
  })

  it('says why --org cannot list: not the management account, or no organization', async () => {
    aws.organization = false
    await expect(reachAccounts({endpointUrl: aws.url}, scope({org: true}))).rejects.toThrow(/not a member of an organization/)
    aws.organization = true
  })
})
