import {homedir} from 'node:os'
import {join} from 'node:path'

/**
 * xtrace's own directory of one kind, as the XDG base directory spec places it: $XDG_STATE_HOME/xtrace
 * (default ~/.local/state/xtrace) for the journal, $XDG_CACHE_HOME/xtrace (default ~/.cache/xtrace)
 * for caches; %LOCALAPPDATA%\xtrace (and \xtrace\cache) on Windows.
 */
export function xtraceDirectory(kind: 'state' | 'cache', env: NodeJS.ProcessEnv = process.env): string {
  const variable = kind === 'state' ? env.XDG_STATE_HOME : env.XDG_CACHE_HOME
  if (variable) return join(variable, 'xtrace')
  if (process.platform === 'win32' && env.LOCALAPPDATA) return kind === 'state' ? join(env.LOCALAPPDATA, 'xtrace') : join(env.LOCALAPPDATA, 'xtrace', 'cache')
  return kind === 'state' ? join(homedir(), '.local', 'state', 'xtrace') : join(homedir(), '.cache', 'xtrace')
}
