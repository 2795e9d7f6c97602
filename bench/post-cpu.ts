// CPU time a Lambda spends per postToConnection, measured in this process alone: the posts go to a
// minimal @connections sink in a child process, so neither the server's work nor the clients' lands on
// this clock. CPU time, unlike wall time, hardly depends on what else the machine is doing. Compares the
// SDK's PostToConnectionCommand with functions/connection-poster.ts (what the fan-out uses).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import pLimit from 'p-limit';
import { createConnectionPoster } from '../functions/connection-poster.ts';
import { DEFAULT_SETTINGS } from '../functions/settings.ts';
import { LOCAL_CREDENTIALS } from '../local/aws-env.ts';

export interface PostCpuFigures {
  posts: number;
  /** CPU microseconds (user + system) per post, in the posting process. */
  sdkMicros: number;
  posterMicros: number;
}

const SINK = `
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Length': '0' }); res.end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export async function measurePostCpu(posts = 3000): Promise<PostCpuFigures> {
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
    const poster = createConnectionPoster(client, endpoint, agents);
    const data = Buffer.from(JSON.stringify({ type: 'message', at: new Date().toISOString(), room: 'lobby', from: 'u0', text: 'benchmark broadcast' }));
    const viaSdk = (id: string) => client.send(new PostToConnectionCommand({ ConnectionId: id, Data: data })).then(() => undefined);
    const viaPoster = (id: string) => poster.post(id, data);

    // Alternate, twice each, and keep the lower: warm-up and noise only ever add.
    const sdk: number[] = [];
    const lean: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      sdk.push(await cpuPerPost(viaSdk, posts));
      lean.push(await cpuPerPost(viaPoster, posts));
    }
    agents.http.destroy();
    return { posts, sdkMicros: Math.min(...sdk), posterMicros: Math.min(...lean) };
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
