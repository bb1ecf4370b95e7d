import {type Command, CommandHelp, Help} from '@oclif/core'

/**
 * oclif's help, with examples that can be pasted: a command is never wrapped (oclif cuts long
 * ones with ` \` and a newline, which breaks a quoted jq filter and joins two commands into one),
 * several commands of one example stay one per line, and `xtrace --help` ends with the path a new
 * user takes. Descriptions still wrap to the terminal.
 */

interface Example {
  description?: string
  commands: string[]
}

function examplesOf(raw: Command.Example[] | string | undefined): Example[] {
  if (raw === undefined) return []
  const list = Array.isArray(raw) ? raw : [raw]
  return list.map((item) =>
    typeof item === 'string' ? {commands: item.split('\n').filter(Boolean)} : {description: item.description, commands: item.command.split('\n').filter(Boolean)},
  )
}

class XtraceCommandHelp extends CommandHelp {
  protected override examples(raw: Command.Example[] | string | undefined): string | undefined {
    const examples = examplesOf(raw)
    if (examples.length === 0) return undefined
    return examples.map((example) => formatExample(example, this.render, (text) => this.wrap(text, this.indentSpacing * 2))).join('\n\n')
  }
}

function formatExample(example: Example, render: (text: string) => string, wrap: (text: string) => string): string {
  const commands = example.commands.map((command) => {
    const text = render(command)
    // Every line of an example is a command to paste, also one that starts with another program.
    return `  $ ${text.startsWith('$ ') ? text.slice(2) : text}`
  })
  return example.description ? `${wrap(render(example.description))}\n\n${commands.join('\n')}` : commands.join('\n')
}

/** What `xtrace --help` ends with: from a function to its traces. */
export const ROOT_EXAMPLES: Command.Example[] = [
  {
    description: 'Turn on tracing for a function and check that its traces can arrive',
    command: '<%= config.bin %> enable orders-api\n<%= config.bin %> doctor orders-api',
  },
  {description: 'Draw a trace, fetched by its id', command: '<%= config.bin %> show 1-5759e988-bd862e3fe1be46a994272793'},
  {description: 'Draw a saved trace (no AWS account needed)', command: '<%= config.bin %> show --file trace.json'},
]

export default class XtraceHelp extends Help {
  protected override CommandHelpClass = XtraceCommandHelp

  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    const render = (text: string) => text.replaceAll('<%= config.bin %>', this.config.bin)
    const body = examplesOf(ROOT_EXAMPLES)
      .map((example) => formatExample(example, render, (text) => this.wrap(text, this.indentSpacing * 2)))
      .join('\n\n')
    this.log(this.section('EXAMPLES', body))
    this.log('')
  }
}
