import {describe, expect, it} from 'vitest'

import {namesFromText, parseFunctionRef} from '../../../src/tracing/refs.js'

describe('function references', () => {
  it('accepts names, partial ARNs and full ARNs', () => {
    expect(parseFunctionRef('orders-api')).toEqual({input: 'orders-api', name: 'orders-api'})
    expect(parseFunctionRef('123456789012:function:orders-api')).toEqual({input: '123456789012:function:orders-api', name: 'orders-api', account: '123456789012'})
    expect(parseFunctionRef('arn:aws-cn:lambda:cn-north-1:123456789012:function:orders_api')).toMatchObject({name: 'orders_api', region: 'cn-north-1', partition: 'aws-cn'})
    expect(parseFunctionRef('orders-api:$LATEST')).toMatchObject({name: 'orders-api'})
  })

  it('refuses versions and aliases, saying why', () => {
    for (const qualified of ['fn:3', 'fn:prod', '123456789012:function:fn:7', 'arn:aws:lambda:us-east-1:123456789012:function:fn:live']) {
      expect(() => parseFunctionRef(qualified)).toThrow(/only \$LATEST can change, a published version's configuration is immutable/)
    }
  })

  it('refuses what cannot be a function name, with its control characters neutralised', () => {
    expect(() => parseFunctionRef('has space')).toThrow(/not a valid Lambda function name/)
    expect(() => parseFunctionRef('x'.repeat(65))).toThrow(/not a valid Lambda function name/)
    expect(() => parseFunctionRef('arn:aws:s3:::bucket')).toThrow(/not a Lambda function ARN/)
    expect(() => parseFunctionRef('evil\u001B[2J')).toThrow(expect.objectContaining({message: expect.not.stringContaining('\u001B')}))
  })

  it('reads names from text: lines, commas, spaces, comments', () => {
    expect(namesFromText('a\nb, c  d\n# all of these\n\ne # trailing\n')).toEqual(['a', 'b', 'c', 'd', 'e'])
  })
})
