import {ExitCode} from '../errors.js'
import {exitWhenWritten} from './exit.js'

/**
 * Ctrl-C (SIGINT) and SIGTERM, handled one way by every command that changes AWS:
 *
 * - before any change: `before` says so ("nothing was changed") and the process exits 130;
 * - while changing: the first signal calls `stop` (no new change starts, the ones in flight finish),
 *   a second calls `quit` (report what is known, call the rest unknown) and the process exits 130;
 * - once the changes are over, a signal is held until the command's output is written, then ends the
 *   process with the run's own exit code.
 *
 * Every exit waits for stdout and stderr to be written (exit.ts). Meanwhile the command's own work may go
 * on: it calls `proceed()` at each point where it would start changing AWS or print its report, and
 * there it stops for good once a signal is ending the process.
 *
 * The handler stays installed until the process ends: removing it would hand a late Ctrl-C to Node's
 * default handler, which kills by signal and would cost the report of what changed.
 */

type Phase =
  | {kind: 'before'; before: () => void}
  | {kind: 'changing'; stop: () => void; quit: () => void; signals: number}
  | {kind: 'after'}

export class Interrupts {
  private phase: Phase | undefined
  private reported = false
  private installed = false
  private ending: Promise<never> | undefined
  private readonly onSignal = () => this.handle()

  /** From now until `changing`: a signal means nothing was changed. */
  beforeChanges(before: () => void): void {
    this.install()
    this.phase = {kind: 'before', before}
  }

  /** Changes are under way. */
  changing(handlers: {stop: () => void; quit: () => void}): void {
    this.install()
    this.phase = {kind: 'changing', ...handlers, signals: 0}
  }

  /** The changes are over: signals wait for the report. */
  changesOver(): void {
    this.install()
    this.phase = {kind: 'after'}
  }

  /** Whether a first signal asked the changes to stop. */
  get stopping(): boolean {
    return this.phase?.kind === 'changing' && this.phase.signals > 0
  }

  /** Resolves at once, unless a signal is ending the process: then never, so nothing more is changed or printed. */
  proceed(): Promise<void> {
    return this.ending ?? Promise.resolve()
  }

  /** The command's output is written: a signal now just ends the process. */
  reportWritten(): void {
    this.reported = true
  }

  /**
   * Hands the signals back, before anything was changed or printed: for a run the lean entry gives to oclif after
   * all (cli/lean.ts), whose command installs its own.
   */
  release(): void {
    if (!this.installed) return
    this.installed = false
    this.phase = undefined
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }

  private install(): void {
    if (this.installed) return
    this.installed = true
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  private handle(): void {
    if (this.ending) return
    const phase = this.phase
    if (this.reported || !phase) {
      this.end(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok)
      return
    }
    if (phase.kind === 'before') {
      phase.before()
      this.end(ExitCode.interrupted)
      return
    }
    if (phase.kind === 'changing') {
      phase.signals++
      if (phase.signals === 1) {
        phase.stop()
        return
      }
      phase.quit()
      this.end(ExitCode.interrupted)
    }
    // 'after': held until the report is written.
  }

  private end(code: number): void {
    this.ending = exitWhenWritten(code)
  }
}
