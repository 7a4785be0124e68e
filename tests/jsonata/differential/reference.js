// The reference side of the differential check (differential.py):
// jsonata-js 2.0.6 evaluates JSON Lines cases from stdin, one answer line per
// case on stdout, in the same shape tools/jsonata/jsonata_eval writes:
//   in:  {"expr": "...", "data": <json>?, "bindings": {...}?}   (no data: undefined input)
//   out: {"result": <json>} | {"undefined": true} | {"function": true}
//        | {"error": {"code": "...", "message": "..."}}
// Functions inside a result are written as "" (as JSONata's own
// serialisation writes them). The package is found through NODE_PATH.
'use strict';
const readline = require('readline');
const jsonata = require('jsonata');


// Lambdas and built-ins are objects flagged by the library; regexes are
// RegExp objects with a `next` method added.
function isFunction(x) {
  return typeof x === 'function' || x instanceof RegExp ||
    (x !== null && typeof x === 'object' && (x._jsonata_lambda === true || x._jsonata_function === true));
}

function answer(v) {
  if (v === undefined) return { undefined: true };
  if (isFunction(v)) return { function: true };
  const text = JSON.stringify(v, (k, x) => (isFunction(x) ? '' : x));
  return { result: text === undefined ? null : JSON.parse(text) };
}

async function evaluate(c) {
  let expr;
  try {
    expr = jsonata(c.expr);
  } catch (e) {
    return { error: { code: e.code || 'JS', message: e.message || String(e) } };
  }
  try {
    const v = await expr.evaluate(c.data, c.bindings || {});
    return answer(v);
  } catch (e) {
    if (e && e.code) return { error: { code: e.code, message: e.message } };
    // A JavaScript error escaping the library (RangeError on deep
    // recursion, TypeError from a bug): reported as such.
    return { error: { code: 'JS:' + (e && e.name || 'Error'), message: String(e && e.message || e) } };
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  // One write per answer (synchronous on pipes): when a case hangs, the
  // caller knows which one it was.
  for await (const line of rl) {
    if (!line.trim()) continue;
    process.stdout.write(JSON.stringify(await evaluate(JSON.parse(line))) + '\n');
  }
}

main().catch((e) => { console.error(e); process.exit(2); });
