import { Agent, request } from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startLocalGateway } from '/work/main/local/gateway/index.ts';
import WebSocket from 'ws';
process.env.AWS_ACCESS_KEY_ID='local'; process.env.AWS_SECRET_ACCESS_KEY='local'; process.env.AWS_REGION='local';
const gw = await startLocalGateway({ port: 0, routes: {}, stage: 'local' });
const N = 200;
const sockets = await Promise.all(Array.from({ length: N }, () => new Promise<WebSocket>((res) => { const s = new WebSocket(gw.url); s.once('open', () => res(s)); })));
let received = 0; for (const s of sockets) s.on('message', () => { received++; });
const ids = gw.connectionIds();
const data = Buffer.from(JSON.stringify({ type: 'message', at: new Date().toISOString(), room: 'lobby', from: 'u0', text: 'x'.repeat(40) }));
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const sdk = new ApiGatewayManagementApiClient({ endpoint: gw.callbackUrl, region: 'local', requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
const sdkCached = new ApiGatewayManagementApiClient({ endpoint: gw.callbackUrl, region: 'local', cacheMiddleware: true, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
const url = new URL(gw.callbackUrl);
const sdkSigner = await sdk.config.signer();
async function smithySigned(id: string) {
  const path = `${url.pathname}/@connections/${encodeURIComponent(id)}`;
  const signed = await sdkSigner.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: {}, headers: { host: url.host, 'content-type': 'application/octet-stream', 'content-length': String(data.length) }, body: data } as never);
  return rawPost(id, (signed as { headers: Record<string, string> }).headers);
}
function rawPost(id: string, headers: Record<string,string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, method: 'POST', path: `${url.pathname}/@connections/${encodeURIComponent(id)}`, headers: { 'content-length': data.length, ...headers } }, (res) => { res.resume(); res.on('end', () => resolve()); });
    req.on('error', reject); req.end(data);
  });
}
// Hand-rolled SigV4 with node:crypto
const secret = 'local'; 
function hmac(key: Buffer | string, s: string) { return createHmac('sha256', key).update(s).digest(); }
let cachedDate = ''; let kSigning: Buffer = Buffer.alloc(0);
const payloadHash = createHash('sha256').update(data).digest('hex');
async function fastSigned(id: string) {
  const path = `${url.pathname}/@connections/${encodeURIComponent(id)}`;
  const now = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = now.slice(0, 8);
  if (day !== cachedDate) { cachedDate = day; kSigning = hmac(hmac(hmac(hmac('AWS4' + secret, day), 'local'), 'execute-api'), 'aws4_request'); }
  const canonical = `POST\n${path.replace(/%/g, '%25').replace(/=/g, '%3D')}\n\nhost:${url.host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${now}\n\nhost;x-amz-content-sha256;x-amz-date\n${payloadHash}`;
  const scope = `${day}/local/execute-api/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${now}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const sig = createHmac('sha256', kSigning).update(sts).digest('hex');
  return rawPost(id, { 'x-amz-date': now, 'x-amz-content-sha256': payloadHash, authorization: `AWS4-HMAC-SHA256 Credential=local/${scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${sig}` });
}
async function bounded(fn: (id: string) => Promise<unknown>, rounds: number) {
  const t = performance.now();
  for (let r = 0; r < rounds; r++) {
    let i = 0; const workers = Array.from({ length: 64 }, async () => { while (i < ids.length) { const id = ids[i++]!; await fn(id); } });
    await Promise.all(workers);
  }
  return (performance.now() - t) / (rounds * ids.length) * 1000;
}
for (let k = 0; k < 2; k++) {
  console.log('sdk µs/post', (await bounded((id) => sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })), 20)).toFixed(0));
  console.log('sdk cacheMiddleware µs/post', (await bounded((id) => sdkCached.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })), 20)).toFixed(0));
  console.log('sdk signer + raw http µs/post', (await bounded(smithySigned, 20)).toFixed(0));
  console.log('node:crypto sigv4 + raw http µs/post', (await bounded(fastSigned, 20)).toFixed(0));
  console.log('raw http µs/post', (await bounded((id) => rawPost(id), 20)).toFixed(0));
}
console.log('received', received);
process.exit(0);

