import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
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

/**
 * Every test makes its state, homes and big files with mkdtemp under os.tmpdir(): pointing TMPDIR at one directory of
 * this run (the workers start after this and inherit it) lets the teardown remove all of them at once, where leaving
 * them had a run of the suite leave ~75 MB in /tmp. XTRACE_KEEP_TEST_TMP=1 keeps it to look at after a failure.
 */
export default function setup(): () => void {
  const manifest = 'oclif.manifest.json'
  const built = existsSync('dist/commands') && existsSync(manifest) ? statSync(manifest).mtimeMs : 0
  if (built < newest('src')) execFileSync('npm', ['run', 'build', '--silent'], {stdio: 'inherit'})

  const root = mkdtempSync(join(tmpdir(), 'xtrace-test-'))
  process.env.TMPDIR = root
  return () => {
    if (process.env.XTRACE_KEEP_TEST_TMP) console.log(`test files kept in ${root}`)
    else rmSync(root, {recursive: true, force: true})
  }
}
