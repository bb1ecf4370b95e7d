// What any reader of a saved BatchGetTraces response must do before drawing anything: read the file and
// JSON.parse it, then each segment Document (a JSON string inside the JSON). bench/run.ts times it beside
// `show --file` of the same file, so that a render's ratio to `node -e ''` can be told apart from the
// share no renderer can avoid. CommonJS, like bin/run.cjs, so that it starts the way xtrace does.
const {readFileSync} = require('node:fs')

const response = JSON.parse(readFileSync(process.argv[2], 'utf8'))
let documents = 0
for (const trace of response.Traces) {
  for (const segment of trace.Segments) if (JSON.parse(segment.Document)) documents++
}
if (documents === 0) process.exitCode = 1
