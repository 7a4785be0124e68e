// The jsonata-js 2.0.6 side of bench/jsonata/run.sh: the same expressions
// (expressions.json) over the same input (written by jsonata_bench
// --write-input), compiled once and evaluated repeatedly with
// `await expr.evaluate(undefined, {states})` (2.x evaluation is async), timed
// as jsonata_bench times them: median of five rounds, µs per evaluation.
//
//   NODE_PATH=<dir>/node_modules node bench.js INPUT.json [EXPRESSIONS.json] [SECONDS]
//
// $partition is a Step Functions addition jsonata-js lacks; it is bound as a
// JavaScript function with the same result (chunks of `size`, the last one
// shorter), so the row measures a native function call on both sides.
'use strict';
const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const exprs = JSON.parse(fs.readFileSync(process.argv[3] || path.join(__dirname, 'expressions.json'), 'utf8'));
const seconds = Number(process.argv[4] || 2);

function partition(array, size) {
  if (array === undefined) return undefined;
  const out = [];
  for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
  return out;
}

async function measure(expr, bindings, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await expr.evaluate(undefined, bindings);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

async function main() {
  const bindings = { states: { input } };
  const results = [];
  for (const e of exprs) {
    const expr = jsonata(e.expr);
    expr.registerFunction('partition', partition, '<an:a<a>>');
    let n = 1;
    for (;;) {
      const us = await measure(expr, bindings, n);
      if (us * n > 50000) { n = Math.max(1, Math.floor((seconds / 5) * 1e6 / us)); break; }
      n *= 4;
    }
    const rounds = [];
    for (let r = 0; r < 5; r++) rounds.push(await measure(expr, bindings, n));
    rounds.sort((a, b) => a - b);
    results.push({ name: e.name, us: rounds[2], iterations: n * 5 });
  }
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}

main().catch((e) => { console.error(e); process.exit(1); });
