// Which hosts count as loopback for `npm start`'s exposure warning, and what the warning says.
import { describe, expect, it } from 'vitest';
import { exposureWarning, isLoopbackHost } from '../local/exposure.ts';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'localhost.'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  it.each(['0.0.0.0', '::', '[::]', '', '10.0.0.5', '192.168.1.20', '128.0.0.1', '::ffff:10.0.0.1', 'fe80::1', 'example.com', 'localhost.example.com', 'my-laptop'])(
    '%j is not loopback (reachable, or may resolve to anything)',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});

describe('exposureWarning', () => {
  const facts = { port: 3001, callbackUrl: 'http://127.0.0.1:3001/local', connectAuth: false };

  it('says nothing for a loopback host', () => {
    expect(exposureWarning({ ...facts, host: '127.0.0.1' })).toBeUndefined();
  });

  it('names what is exposed: the unsigned @connections API and an unauthenticated chat', () => {
    const warning = exposureWarning({ ...facts, host: '0.0.0.0' }) ?? '';
    expect(warning).toMatch(/^WARNING: .*every interface \(0\.0\.0\.0\), port 3001/);
    expect(warning).toContain('/local/@connections/{id}');
    expect(warning).toMatch(/no signature check/);
    expect(warning).toMatch(/POST .*GET .*DELETE/);
    expect(warning).toMatch(/no \$connect authorizer .*CONNECT_AUTH=jwt or token, or CONNECT_TOKEN/);
    expect(warning.split('\n').length).toBeGreaterThan(3);
  });

  it('says the chat asks for a token when one is configured, @connections still open', () => {
    const warning = exposureWarning({ ...facts, host: '192.168.1.20', connectAuth: true }) ?? '';
    expect(warning).toMatch(/192\.168\.1\.20, port 3001/);
    expect(warning).toMatch(/with a token only/);
    expect(warning).toMatch(/no signature check/);
  });
});
