// Times verify-credentials through the jco-transpiled connector in this
// Node.js process, for the benchmark suite (crates/bench), which starts the
// mock and passes its tokens and routes as tests/node.rs does. Prints one
// JSON line: the import (compile + instantiate) time and each call's time,
// in milliseconds.
import { performance } from 'node:perf_hooks';

const calls = Number(process.env.CALLS ?? 200);
const started = performance.now();
const { actions } = await import('./build/connector/connector.js');
const loadMs = performance.now() - started;

const credentials = { tag: 'sandbox', val: process.env.MOCK_SANDBOX_TOKEN };
const firstStarted = performance.now();
actions.verifyCredentials(credentials, undefined);
const firstCallMs = performance.now() - firstStarted;
for (let i = 0; i < 20; i += 1) actions.verifyCredentials(credentials, undefined);

const callMs = [];
for (let i = 0; i < calls; i += 1) {
  const t = performance.now();
  actions.verifyCredentials(credentials, undefined);
  callMs.push(performance.now() - t);
}
console.log(JSON.stringify({ load_ms: loadMs, first_call_ms: firstCallMs, call_ms: callMs }));
