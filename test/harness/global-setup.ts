import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

/** End-to-end tests run the built CLI: build first when dist/ is missing or older than src/. */
function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

export default function setup(): void {
  const manifest = 'oclif.manifest.json'
  const built = existsSync('dist/commands') && existsSync(manifest) ? statSync(manifest).mtimeMs : 0
  if (built < newest('src')) execFileSync('npm', ['run', 'build', '--silent'], {stdio: 'inherit'})
}
