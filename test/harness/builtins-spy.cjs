// Loaded with `node -r`: when the process exits, writes the Node built-in modules it loaded, one a line,
// into the file named by XTRACE_BUILTINS_SPY. Built-ins that Node's own code loads (node:net, when
// process.stdout is made on a pipe) pass no hook, so the list comes from process.moduleLoadList, which
// Node keeps for its own diagnostics; the test fails, rather than passes, if it ever goes away.
const out = process.env.XTRACE_BUILTINS_SPY
if (out) {
  process.on('exit', () => {
    const list = Array.isArray(process.moduleLoadList) ? process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)) : ['(no moduleLoadList)']
    require('node:fs').writeFileSync(out, `${list.join('\n')}\n`)
  })
}
