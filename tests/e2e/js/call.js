// One Step Functions call through the AWS SDK for JavaScript, v2 (aws-sdk)
// or v3 (@aws-sdk/client-sfn), for tests/e2e/test_js_sdks.py:
//
//   node call.js v2|v3 OPTIONS_JSON OPERATION PARAMS_JSON
//
// OPTIONS_JSON: {"endpoint": URL, "hostPrefix": "default"|"off",
//   "resolve": {HOST: IP} (answers the name look-ups of those hosts, as a
//   hosts-file line would), "timeoutMs": N (v2: httpOptions.timeout,
//   v3: requestHandler.requestTimeout; absent = the SDK's default),
//   "region": R (default us-east-1), "credentials": {accessKeyId,
//   secretAccessKey} (default test/test)}.
// "off" is the README's setting: hostPrefixEnabled: false in v2,
// disableHostPrefix: true in v3.
// OPERATION is the API name (StartSyncExecution). Prints one JSON line:
//   {"ok": true, "result": {...}, "status": 200, "sentHost": "HOST:PORT"}
//   {"ok": false, "error": {"name", "code", "message", "status", "typed",
//                           "fault", "syscall", "hostname"}}
// where "typed" says the error is an instance of the SDK's exception class
// of that name (v3's generated classes; v2 has none: false).
// NODE_PATH names the node_modules folder with both SDKs.
'use strict';

const http = require('http');
const dns = require('dns');

const [sdk, optionsJson, operation, paramsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson);
const params = JSON.parse(paramsJson || '{}');
const credentials = options.credentials || { accessKeyId: 'test', secretAccessKey: 'test' };
const region = options.region || 'us-east-1';
let sentHost;  // host[:port] the request went to

function agent() {
  if (!options.resolve) return undefined;
  const lookup = (hostname, opts, cb) => {
    if (typeof opts === 'function') { cb = opts; opts = {}; }
    const ip = options.resolve[hostname];
    if (!ip) return dns.lookup(hostname, opts, cb);
    if (opts && opts.all) return cb(null, [{ address: ip, family: 4 }]);
    return cb(null, ip, 4);
  };
  return new http.Agent({ keepAlive: false, lookup });
}

function print(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function describeError(err, typed) {
  return {
    ok: false,
    error: {
      name: err.name,
      code: err.code,
      message: err.message,
      status: err.statusCode ?? err.$metadata?.httpStatusCode ?? err.$response?.statusCode,
      typed,
      fault: err.$fault,
      syscall: err.syscall,
      hostname: err.hostname,
    },
  };
}

async function v2() {
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
  const AWS = require('aws-sdk');
  const config = {
    endpoint: options.endpoint,
    region,
    credentials: new AWS.Credentials(credentials),
    maxRetries: 0,
  };
  if (options.hostPrefix === 'off') config.hostPrefixEnabled = false;
  const httpOptions = {};
  if (options.resolve) httpOptions.agent = agent();
  if (options.timeoutMs !== undefined) httpOptions.timeout = options.timeoutMs;
  if (Object.keys(httpOptions).length) config.httpOptions = httpOptions;
  const sfn = new AWS.StepFunctions(config);
  const method = operation[0].toLowerCase() + operation.slice(1);
  try {
    const req = sfn[method](params);
    req.on('sign', () => { sentHost = req.httpRequest.endpoint.host; });
    const answer = await req.promise();
    const status = answer.$response && answer.$response.httpResponse.statusCode;
    const result = { ...answer };  // ($response is not enumerable)
    print({ ok: true, result, status, sentHost });
  } catch (err) {
    print(describeError(err, false));
  }
}

async function v3() {
  const sfnModule = require('@aws-sdk/client-sfn');
  const config = { endpoint: options.endpoint, region, credentials, maxAttempts: 1 };
  if (options.hostPrefix === 'off') config.disableHostPrefix = true;
  const handler = {};
  if (options.resolve) handler.httpAgent = agent();
  if (options.timeoutMs !== undefined) handler.requestTimeout = options.timeoutMs;
  if (Object.keys(handler).length) config.requestHandler = handler;
  const client = new sfnModule.SFNClient(config);
  client.middlewareStack.add((next) => async (args) => {
    sentHost = args.request.hostname + (args.request.port ? ':' + args.request.port : '');
    return next(args);
  }, { step: 'finalizeRequest', name: 'statecraftSentHost' });
  const Command = sfnModule[operation + 'Command'];
  if (!Command) throw new Error('no command ' + operation);
  try {
    const result = await client.send(new Command(params));
    const status = result.$metadata && result.$metadata.httpStatusCode;
    delete result.$metadata;
    print({ ok: true, result, status, sentHost });
  } catch (err) {
    const cls = sfnModule[err.name];
    const typed = typeof cls === 'function' && err instanceof cls &&
      err instanceof sfnModule.SFNServiceException;
    print(describeError(err, typed));
  } finally {
    client.destroy();
  }
}

(sdk === 'v2' ? v2 : sdk === 'v3' ? v3 : () => { throw new Error('sdk must be v2 or v3'); })()
  .catch((err) => {
    process.stderr.write(String(err && err.stack || err) + '\n');
    process.exit(2);
  });
