// CPU time a Lambda spends per postToConnection, measured in this process alone: the posts go to a
// minimal @connections sink in a child process, so neither the server's work nor the clients' lands on
// this clock. CPU time depends less than wall time on what else the machine runs, but not nothing (a
// busy core's caches and clock): rounds alternate, and the median of the rounds after the first (JIT
// warm-up) is kept, with every round in the figures. Compares the SDK's PostToConnectionCommand with
// functions/connection-poster.ts (what the fan-out uses) and two unsigned POSTs: through node:http on the
// SDK's agent (what the SDK's transport costs alone), and through functions/keep-alive-http.ts (what the
// poster's transport costs alone: the rest of the poster's figure is its signing).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent as HttpAgent, request } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pLimit from 'p-limit';
import { createConnectionPoster, encodePathSegment, POST_TIMEOUT_MS } from '../../functions/connection-poster.ts';
import { createKeepAliveHttp } from '../../functions/keep-alive-http.ts';
import { DEFAULT_SETTINGS } from '../../functions/settings.ts';
import { LOCAL_CREDENTIALS } from '../../local/aws-env.ts';
import { median } from '../report/stats.ts';

export interface PostCpuFigures {
  posts: number;
  /** CPU microseconds (user + system) per post in the posting process: medians of the rounds after the first. */
  sdkMicros: number;
  posterMicros: number;
  /** An unsigned POST through node:http (the SDK's transport). */
  bareMicros: number;
  /** An unsigned POST through keep-alive-http.ts (the poster's transport). */
  bareKeepAliveMicros: number;
  rounds: { sdk: number[]; poster: number[]; bare: number[]; bareKeepAlive: number[] };
}

const SINK = `
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Length': '0' }); res.end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export async function measurePostCpu(posts = 3000, rounds = 6): Promise<PostCpuFigures> {
  const sink = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [chunk] = (await once(sink.stdout as NonNullable<ChildProcess['stdout']>, 'data')) as [Buffer];
    const endpoint = `http://127.0.0.1:${chunk.toString().trim()}/bench`;
    const agentOptions = { keepAlive: true, maxSockets: DEFAULT_SETTINGS.fanoutConcurrency };
    const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
    const client = new ApiGatewayManagementApiClient({
      endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: agents.http, httpsAgent: agents.https }),
    });
    const sockets = createKeepAliveHttp(endpoint, { maxSockets: DEFAULT_SETTINGS.fanoutConcurrency, timeoutMs: POST_TIMEOUT_MS });
    const poster = createConnectionPoster(client.config, endpoint, sockets);
    const data = Buffer.from(JSON.stringify({ type: 'message', at: new Date().toISOString(), room: 'lobby', from: 'u0', text: 'benchmark broadcast' }));
    const viaSdk = (id: string) => client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })).then(() => undefined);
    const viaPoster = (id: string) => poster.post(id, data);
    const { host, hostname, port, pathname } = new URL(endpoint);
    const length = String(data.byteLength);
    const viaBare = (id: string) =>
      new Promise<void>((resolve, reject) => {
        const headers = ['host', host, 'content-type', 'application/octet-stream', 'content-length', length];
        const outgoing = request({ agent: agents.http, method: 'POST', hostname, port, path: `${pathname}/@connections/${encodePathSegment(id)}`, headers }, (response) => {
          response.on('end', resolve).on('error', reject).resume();
        });
        outgoing.on('error', reject).end(data);
      });
    const latin1 = data.toString('latin1');
    const viaBareKeepAlive = (id: string) =>
      sockets
        .request({ method: 'POST', path: `${pathname}/@connections/${encodePathSegment(id)}`, headers: ['host', host, 'content-type', 'application/octet-stream', 'content-length', length], body: latin1, encoding: 'latin1' })
        .then(() => undefined);

    const sdk: number[] = [];
    const lean: number[] = [];
    const bare: number[] = [];
    const bareKeepAlive: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      sdk.push(await cpuPerPost(viaSdk, posts));
      lean.push(await cpuPerPost(viaPoster, posts));
      bare.push(await cpuPerPost(viaBare, posts));
      bareKeepAlive.push(await cpuPerPost(viaBareKeepAlive, posts));
    }
    agents.http.destroy();
    sockets.destroy();
    const settled = (values: number[]) => median(values.length > 1 ? values.slice(1) : values);
    return {
      posts,
      sdkMicros: settled(sdk),
      posterMicros: settled(lean),
      bareMicros: settled(bare),
      bareKeepAliveMicros: settled(bareKeepAlive),
      rounds: { sdk, poster: lean, bare, bareKeepAlive },
    };
  } finally {
    sink.kill();
  }
}

async function cpuPerPost(post: (id: string) => Promise<void>, posts: number): Promise<number> {
  const limit = pLimit(DEFAULT_SETTINGS.fanoutConcurrency);
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: posts }, (_, index) => limit(() => post(`conn${index}=`))));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / posts;
}
