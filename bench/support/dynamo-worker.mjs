// The embedded emulator (dynalite) on its own thread, with a meter on its one HTTP listener: every
// request is counted by operation, with the capacity DynamoDB reports for it (ReturnConsumedCapacity).
// Its own thread because DynamoDB is another machine in AWS: dynalite's CPU work (LevelDB in memory,
// index upkeep) must not stall the handlers' event loop, or the emulator's speed would be measured
// instead of the fan-out. Plain JS so it loads in a worker under any runner (tsx, vitest).
import { parentPort } from 'node:worker_threads';
import dynalite from 'dynalite';

const counters = { requests: 0, capacityUnits: 0, byOperation: {}, capacityByOperation: {} };
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const [serve] = server.listeners('request');
server.removeAllListeners('request');
server.on('request', (req, res) => {
  const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
  counters.requests += 1;
  counters.byOperation[operation] = (counters.byOperation[operation] ?? 0) + 1;
  // dynalite answers with a single res.end(body); capacity is in that body when it was asked for.
  const end = res.end.bind(res);
  res.end = (body, ...rest) => {
    const units = consumedCapacity(body);
    counters.capacityUnits += units;
    if (units) counters.capacityByOperation[operation] = (counters.capacityByOperation[operation] ?? 0) + units;
    return end(body, ...rest);
  };
  serve(req, res);
});

function consumedCapacity(body) {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
  // A write whose condition fails still costs a write unit in DynamoDB (dynalite reports none).
  if (text.includes('ConditionalCheckFailedException')) return 1;
  if (!text.includes('ConsumedCapacity')) return 0;
  try {
    return JSON.parse(text).ConsumedCapacity?.CapacityUnits ?? 0;
  } catch {
    return 0;
  }
}

server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'read') parentPort.postMessage({ counters: structuredClone(counters) });
  if (message === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
