import { Agent as HttpAgent, request } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createHash, createHmac } from 'node:crypto';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { startLocalGateway } from '/work/main/local/gateway/index.ts';
import { createConnectionPoster, encodePathSegment } from '/work/main/functions/connection-poster.ts';
import WebSocket from 'ws';
process.env.AWS_ACCESS_KEY_ID='local'; process.env.AWS_SECRET_ACCESS_KEY='local'; process.env.AWS_REGION='local';
const gw = await startLocalGateway({ port: 0, routes: {}, stage: 'local' });
const sockets = await Promise.all(Array.from({ length: 200 }, () => new Promise<WebSocket>((res) => { const s = new WebSocket(gw.url); s.once('open', () => res(s)); })));
for (const s of sockets) s.on('message', () => {});
const ids = gw.connectionIds();
const data = Buffer.from(JSON.stringify({ type: 'message', at: new Date().toISOString(), room: 'lobby', from: 'u0', text: 'x'.repeat(40) }));
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };
const client = new ApiGatewayManagementApiClient({ endpoint: gw.callbackUrl, region: 'local' });
const poster = createConnectionPoster(client, gw.callbackUrl, agents);
const url = new URL(gw.callbackUrl);
const hashes = new WeakMap<Uint8Array, string>();
let keyDay = ''; let key = Buffer.alloc(0);
async function hand(id: string) {
  const creds = await client.config.credentials();
  const path = `${url.pathname}/@connections/${encodePathSegment(id)}`;
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  if (day !== keyDay) { keyDay = day; const h = (k: Buffer | string, s: string) => createHmac('sha256', k).update(s).digest(); key = h(h(h(h('AWS4' + creds.secretAccessKey, day), 'local'), 'execute-api'), 'aws4_request'); }
  let payload = hashes.get(data); if (!payload) { payload = createHash('sha256').update(data).digest('hex'); hashes.set(data, payload); }
  const canonicalUri = path.split('/').map(encodePathSegment).join('/');
  const canonical = `POST\n${canonicalUri}\n\ncontent-type:application/octet-stream\nhost:${url.host}\nx-amz-date:${amzDate}\n\ncontent-type;host;x-amz-date\n${payload}`;
  const scope = `${day}/local/execute-api/aws4_request`;
  const sig = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`).digest('hex');
  await new Promise<void>((resolve, reject) => {
    const req = request({ agent: agents.http, host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-type': 'application/octet-stream', 'content-length': data.length, 'x-amz-date': amzDate, authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=content-type;host;x-amz-date, Signature=${sig}` } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject); req.end(data);
  });
}
async function bounded(fn: (id: string) => Promise<unknown>, rounds: number) {
  const t = performance.now();
  for (let r = 0; r < rounds; r++) {
    let i = 0; await Promise.all(Array.from({ length: 64 }, async () => { while (i < ids.length) await fn(ids[i++]!); }));
  }
  return ((performance.now() - t) / (rounds * ids.length) * 1000).toFixed(0);
}
for (let k = 0; k < 4; k++) console.log('poster(sdk signer)', await bounded((id) => poster.post(id, data), 10), 'hand signer', await bounded(hand, 10));
process.exit(0);
