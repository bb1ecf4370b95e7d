#!/usr/bin/env node
// The closing line of `npm run demo`: the other bundled sample, and how to draw it.
process.stdout.write('\nAlso bundled: examples/checkout-streamed.json, four traces of a Node.js checkout made with the X-Ray SDK:\n  ./bin/run.cjs show --file examples/checkout-streamed.json --depth 3\n')
