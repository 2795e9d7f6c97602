import diagnostics from 'node:diagnostics_channel';
import { startEnvironment, SAMPLE_TABLE_NAME } from '/work/main/bench/environment.ts';
import { Receivers } from '/work/main/bench/receivers.ts';
import { logInAll } from '/work/main/bench/login.ts';
import { measureBroadcast } from '/work/main/bench/measure.ts';
import { VARIANTS } from '/work/main/bench/variants.ts';
const env = await startEnvironment();
const r = await Receivers.open(env.url, 10);
await logInAll(env.store, env.dynamodb, SAMPLE_TABLE_NAME, env.gateway.connectionIds());
let t0 = 0; const log: string[] = [];
const at = () => (performance.now() - t0).toFixed(1);
diagnostics.subscribe('http.client.request.start', (m) => { const q = (m as { request: { method: string; path: string; getHeader(n: string): unknown } }).request; log.push(`${at()} client start ${q.method} ${q.path} ${q.getHeader('x-amz-target') ?? ''}`); });
diagnostics.subscribe('http.client.response.finish', (m) => { const q = (m as { request: { path: string; getHeader(n: string): unknown }; response: { statusCode: number } }); log.push(`${at()} client finish ${q.request.path} ${q.request.getHeader('x-amz-target') ?? ''} ${q.response.statusCode}`); });
for (let i = 0; i < 4; i++) {
  log.length = 0; t0 = performance.now();
  const s = await measureBroadcast(r, VARIANTS.ours, `<t${i}>`, env, 10000);
  console.log('delivery', s.deliveryMs.toFixed(1), 'handler', s.handlerMs?.toFixed(1));
}
console.log(log.join('\n'));
process.exit(0);
