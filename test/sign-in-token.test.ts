// Sign-in with a shared token kept in Secrets Manager (CONNECT_AUTH=token), end to end: the real SDK
// client of the authorizer against a GetSecretValue stand-in on loopback, the chat under the local
// gateway. The secret is read once and cached (a failed read is not), refused handshakes write nothing.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthorizer, sharedTokenCheck, UNAUTHORIZED } from '../functions/authorizer.ts';
import { resetAuthorizerContainer } from '../functions/authorizer-container.ts';
import type { Logger } from '../functions/log.ts';
import { useLocalChat } from './support/chat.ts';
import { HandshakeRefused } from './support/client.ts';
import { SecretsManagerStandIn } from './support/secrets-manager.ts';
import { ROOT, tsNodeArgs } from './support/processes.ts';
import { partitionKeys } from './support/table.ts';

const TOKEN = 'f3b1c9d2-the-shared-token-of-this-test';
const ARN = 'arn:aws:secretsmanager:local:000000000000:secret:wschat-connect-token-AbCdEf';
const secrets = await SecretsManagerStandIn.start(ARN, TOKEN);
afterAll(() => secrets.close());

const chat = useLocalChat({
  env: { CONNECT_AUTH: 'token', CONNECT_TOKEN_SECRET_ARN: ARN, AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint },
});
const tableItems = async () => (await partitionKeys(chat.chat.dynamodbEndpoint, chat.chat.tableName)).length;

describe('sign-in with a shared token from Secrets Manager (CONNECT_AUTH=token)', () => {
  it('fails the handshake (500) while the secret cannot be read, and reads it again on the next one', async () => {
    resetAuthorizerContainer(); // a cold start
    secrets.failing = true;
    const readsBefore = secrets.reads;
    await expect(chat.connect({ token: TOKEN })).rejects.toEqual(new HandshakeRefused(500));
    secrets.failing = false;
    await chat.connect({ token: TOKEN });
    expect(secrets.reads).toBeGreaterThan(readsBefore + 1); // the SDK retried the 500s; then one more read
  });

  it('accepts the token, refuses a wrong one (403) and none (401), reading the secret once', async () => {
    resetAuthorizerContainer();
    const readsBefore = secrets.reads;
    const before = await tableItems();
    await expect(chat.connect()).rejects.toEqual(new HandshakeRefused(401));
    await expect(chat.connect({ token: 'guess', nickname: 'mallory' })).rejects.toEqual(new HandshakeRefused(403));
    await expect(chat.connect({ token: `${TOKEN}x` })).rejects.toEqual(new HandshakeRefused(403));
    expect(await tableItems()).toBe(before);

    const alice = await chat.connect({ token: TOKEN, nickname: 'alice' });
    alice.send('/whoami');
    expect((await alice.next('whoami')).nickname).toBe('alice');
    await chat.connect({ token: TOKEN });
    expect(secrets.reads - readsBefore).toBe(1);
    expect([...secrets.targets]).toEqual(['secretsmanager.GetSecretValue']);
  });
});

describe('what the authorizer logs', () => {
  it('the verdict, its reason and the allowed sub: never the token, right or wrong', async () => {
    const lines: string[] = [];
    const record = (message: string, extra?: Record<string, unknown>) => void lines.push(JSON.stringify({ message, ...extra }));
    const log: Logger = { debug: record, info: record, warn: record, error: record };
    const authorize = createAuthorizer(sharedTokenCheck(() => Promise.resolve(TOKEN), 60_000), log);
    const event = (query: Record<string, string>, headers: Record<string, string> = {}) => ({
      type: 'REQUEST' as const,
      methodArn: 'arn:aws:execute-api:local:000000000000:api/stage/$connect',
      queryStringParameters: query,
      headers,
      requestContext: { connectionId: 'c-1' },
    });

    expect((await authorize(event({ token: TOKEN }))).policyDocument.Statement[0].Effect).toBe('Allow');
    expect((await authorize(event({}, { Authorization: `Bearer ${TOKEN}` }))).policyDocument.Statement[0].Effect).toBe('Allow');
    expect((await authorize(event({ token: `${TOKEN}-guess` }))).policyDocument.Statement[0].Effect).toBe('Deny');
    await expect(authorize(event({}))).rejects.toThrow(new Error(UNAUTHORIZED));

    expect(lines.map((line) => JSON.parse(line) as { message: string; reason?: string; sub?: string })).toEqual([
      { message: 'connect allowed', connectionId: 'c-1', sub: 'shared-token' },
      { message: 'connect allowed', connectionId: 'c-1', sub: 'shared-token' },
      { message: 'connect refused', connectionId: 'c-1', reason: 'WRONG_TOKEN' },
      { message: 'connect refused', connectionId: 'c-1', reason: 'NO_TOKEN' },
    ]);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('npm run chat against a chat that requires sign-in', () => {
  /** Runs the terminal client until it gives up; its exit code and everything it printed. */
  async function runChat(...args: string[]): Promise<{ code: number; output: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, tsNodeArgs('local/chat.ts', chat.chat.url, ...args), { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  it('says a 401 wants --token, and never prints the token it was given', async () => {
    const none = await runChat();
    expect(none.code).toBe(1);
    expect(none.output).toContain('refused the connection: HTTP 401');
    expect(none.output).toContain('pass --token TOKEN');

    const wrong = await runChat('--token', 'a-wrong-secret-token');
    expect(wrong.code).toBe(1);
    expect(wrong.output).toContain('token=***');
    expect(wrong.output).toContain('refused the connection: HTTP 403');
    expect(wrong.output).not.toContain('a-wrong-secret-token');
  });
});
