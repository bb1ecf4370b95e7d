import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {createServer} from 'node:net'

/**
 * moto (an independent AWS emulator, `python3 -m moto.server`) as a second opinion on the wire
 * protocols. Suites call `motoAvailable()` and skip, saying so, where it is not installed.
 */

export function motoAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], {stdio: 'ignore', timeout: 20_000})
  return probe.status === 0
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface Moto {
  url: string
  stop(): Promise<void>
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort()
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: {...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true'},
    stdio: 'ignore',
    detached: true,
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      const response = await fetch(`${url}/moto-api/`)
      if (response.ok) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      throw new Error('moto did not start within 30 s')
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        process.kill(-child.pid!, 'SIGTERM')
      }),
  }
}
