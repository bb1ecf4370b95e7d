import type {XRayClient} from '@aws-sdk/client-xray'

import {mapAwsError} from '../aws/errors.js'
import {UsageError} from '../errors.js'
import {sanitize} from '../text/sanitize.js'

/**
 * Have traces for these functions arrived lately? One GetTraceSummaries call serves many functions
 * (their filters ORed, kept short), and paging stops early: one summary per function is enough.
 */

export interface Traffic {
  /** Summaries seen (up to the page cap). */
  count: number
  /** More pages were left unread, so a zero is not conclusive. */
  capped: boolean
}

export type TrafficAnswer = Map<string, Traffic> | {error: string}

const MAX_FILTER_LENGTH = 1500
const MAX_PAGES = 5

export function parseSince(text: string): number {
  const match = /^(\d+)\s*(s|m|h)?$/i.exec(text.trim())
  if (!match) throw new UsageError(`--since ${sanitize(text)}: expected a duration like 15m, 2h or 90s`, ['e.g. --since 30m'])
  const seconds = Number.parseInt(match[1]!, 10) * ({s: 1, m: 60, h: 3600}[(match[2] ?? 'm').toLowerCase() as 's' | 'm' | 'h'])
  if (seconds < 60 || seconds > 24 * 3600) throw new UsageError(`--since ${sanitize(text)}: must be between 1 minute and 24 hours (X-Ray's limit)`, ['e.g. --since 2h'])
  return seconds
}

export function describeWindow(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`
}

function filterFor(name: string): string {
  return `service(id(name: ${JSON.stringify(name)}, type: "AWS::Lambda::Function"))`
}

/** Function names grouped so that each group's ORed filter stays short. */
export function filterGroups(names: readonly string[]): string[][] {
  const groups: string[][] = []
  let current: string[] = []
  let length = 0
  for (const name of names) {
    const added = filterFor(name).length + 4
    if (current.length > 0 && length + added > MAX_FILTER_LENGTH) {
      groups.push(current)
      current = []
      length = 0
    }
    current.push(name)
    length += added
  }
  if (current.length > 0) groups.push(current)
  return groups
}

export async function recentTraffic(xray: XRayClient, names: readonly string[], sinceSeconds: number, now = Date.now()): Promise<TrafficAnswer> {
  const {paginateGetTraceSummaries} = await import('@aws-sdk/client-xray')
  const traffic = new Map<string, Traffic>(names.map((name) => [name, {count: 0, capped: false}]))
  const start = new Date(now - sinceSeconds * 1000)
  const end = new Date(now)
  try {
    for (const group of filterGroups(names)) {
      let pages = 0
      let unread = false
      for await (const page of paginateGetTraceSummaries({client: xray, stopOnSameToken: true}, {StartTime: start, EndTime: end, FilterExpression: group.map(filterFor).join(' OR ')})) {
        pages++
        for (const summary of page.TraceSummaries ?? []) {
          const seen = new Set((summary.ServiceIds ?? []).filter((id) => id.Type === 'AWS::Lambda::Function').flatMap((id) => [id.Name, ...(id.Names ?? [])]))
          for (const name of seen) {
            const entry = name ? traffic.get(name) : undefined
            if (entry) entry.count++
          }
        }
        // One summary per function settles it: leave the rest unread.
        unread = Boolean(page.NextToken)
        if (pages >= MAX_PAGES || group.every((name) => traffic.get(name)!.count > 0)) break
      }
      if (unread) for (const name of group) traffic.get(name)!.capped = true
    }
  } catch (error) {
    return {error: mapAwsError(error, {action: 'xray:GetTraceSummaries'}).message}
  }
  return traffic
}
