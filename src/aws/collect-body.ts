import {Readable} from 'node:stream'

/**
 * The bytes of a body as Node's HTTP client gives it. The SDK's collector would first ask whether it is a web
 * `ReadableStream`, which loads Node's web streams (~2 ms), then pipe it into a Writable, and `Readable.pipe`
 * compares its destination with `process.stdout` and `process.stderr`, which makes both: ~2–3 ms a run spent
 * on neither. Its outcomes are the collector's: the bytes, or the stream's own error (which the SDK's retries
 * judge as before). A stream that closes short of its end with no error is a reset connection.
 */
export function collectNodeStream(body: Readable): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let ended = false
    body.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk))
    body.once('error', reject)
    body.once('end', () => {
      ended = true
      resolve(Buffer.concat(chunks))
    })
    body.once('close', () => {
      if (!ended) reject(Object.assign(new Error('the connection closed before the whole answer arrived'), {code: 'ECONNRESET'}))
    })
  })
}

/**
 * Every client's `streamCollector` (the SDK reads each answer's body with it, errors included): a Node stream, which
 * Node's HTTP client always gives, by collectNodeStream; a web stream or a Blob (another request handler's) by the web
 * API, as the SDK's collector reads them.
 */
export async function collectAnswerBody(body: unknown): Promise<Uint8Array> {
  if (body instanceof Readable) return collectNodeStream(body)
  return new Uint8Array(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer())
}
