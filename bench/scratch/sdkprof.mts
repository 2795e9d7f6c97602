import { Agent } from 'node:http';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startLocalGateway } from '/work/main/local/gateway/index.ts';
import WebSocket from 'ws';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
process.env.AWS_ACCESS_KEY_ID='local'; process.env.AWS_SECRET_ACCESS_KEY='local'; process.env.AWS_REGION='local';
const gw = await startLocalGateway({ port: 0, routes: {}, stage: 'local' });
const N = 200;
const sockets = await Promise.all(Array.from({ length: N }, () => new Promise<WebSocket>((res) => { const s = new WebSocket(gw.url); s.once('open', () => res(s)); })));
for (const s of sockets) s.on('message', () => {});
const ids = gw.connectionIds();
const data = Buffer.from(JSON.stringify({ type: 'message', at: new Date().toISOString(), room: 'lobby', from: 'u0', text: 'x'.repeat(40) }));
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const sdk = new ApiGatewayManagementApiClient({ endpoint: gw.callbackUrl, region: 'local', cacheMiddleware: true, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
async function bounded(fn: (id: string) => Promise<unknown>, rounds: number) {
  const t = performance.now();
  for (let r = 0; r < rounds; r++) {
    let i = 0; const workers = Array.from({ length: 64 }, async () => { while (i < ids.length) { const id = ids[i++]!; await fn(id); } });
    await Promise.all(workers);
  }
  return (performance.now() - t) / (rounds * ids.length) * 1000;
}
const post = (id: string) => sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
await bounded(post, 10);
const session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start');
console.log('sdk µs/post', (await bounded(post, 30)).toFixed(0));
const { profile } = await session.post('Profiler.stop');
writeFileSync('/tmp/sdk.cpuprofile', JSON.stringify(profile));
process.exit(0);
