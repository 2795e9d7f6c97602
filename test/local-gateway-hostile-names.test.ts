// Query-string and header names are the client's: `constructor`, `__proto__`, `toString`,
// `hasOwnProperty` and `valueOf` are names like any other. The handshake is accepted, the handler sees
// them as ordinary own string values (as in the JSON API Gateway sends), nothing is inherited, and the
// gateway keeps serving. First against recording handlers, then through the real chat and emulator.
import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../local/gateway/index.ts';
import { EventRecorder, openClient, startTestGateway } from './support/gateway.ts';
import { useLocalChat } from './support/chat.ts';
import { ChatClient } from './support/client.ts';
import { expectStillServing } from './support/still-serving.ts';

const HOSTILE_QUERY = '?constructor=1&__proto__=x&toString=y&hasOwnProperty=z&valueOf=1';
const HOSTILE_QUERY_VALUES = { constructor: '1', ['__proto__']: 'x', toString: 'y', hasOwnProperty: 'z', valueOf: '1' };
// A computed key: a literal `__proto__: …` would set the prototype instead of sending a header.
const HOSTILE_HEADERS = { constructor: 'h1', ['__proto__']: 'h2', toString: 'h3', hasOwnProperty: 'h4', valueOf: 'h5' };

/** A name's value only if it is the map's own property (what a handler of AWS's JSON event would get). */
function own<V>(map: Record<string, V> | undefined, name: string): V | undefined {
  return map && Object.hasOwn(map, name) ? map[name] : undefined;
}

async function gatewayRecordingConnects() {
  const seen = new EventRecorder();
  const gateway = await startTestGateway({
    routes: {
      $connect: (event) => {
        seen.record(event);
        return { statusCode: 200 };
      },
      $default: (event) => ({ statusCode: 200, body: `echo ${event.body ?? ''}` }),
    },
    routeResponses: ['$default'],
  });
  return { gateway, seen };
}

async function expectGatewayServing(url: string): Promise<void> {
  const bystander = await openClient(url);
  bystander.socket.send('still there?');
  expect(await bystander.nextMessage()).toBe('echo still there?');
}

describe('hostile names in the $connect query string', () => {
  it('accepts the handshake and passes every name as an own string value', async () => {
    const { gateway, seen } = await gatewayRecordingConnects();

    await openClient(`${gateway.url}${HOSTILE_QUERY}`);

    const [event] = seen.ofType('CONNECT');
    const single = event?.queryStringParameters;
    const multi = event?.multiValueQueryStringParameters;
    for (const [name, value] of Object.entries(HOSTILE_QUERY_VALUES)) {
      expect({ name, single: own(single, name), multi: own(multi, name) }).toEqual({ name, single: value, multi: [value] });
    }
    expect(Object.keys(single ?? {})).toEqual(Object.keys(HOSTILE_QUERY_VALUES));
    // A name the client did not send is absent, not inherited from Object.prototype.
    expect('isPrototypeOf' in (single ?? {})).toBe(false);
    expect('propertyIsEnumerable' in (multi ?? {})).toBe(false);
    // Serialised, the event is what AWS would send: `__proto__` an ordinary key of the JSON object.
    expect(JSON.stringify(single)).toBe('{"constructor":"1","__proto__":"x","toString":"y","hasOwnProperty":"z","valueOf":"1"}');
    await expectGatewayServing(gateway.url);
  });

  it('keeps every value of a repeated hostile name, the last one in the single-value map', async () => {
    const { gateway, seen } = await gatewayRecordingConnects();

    await openClient(`${gateway.url}?__proto__=a&__proto__=b&constructor=c&constructor=d`);

    const [event] = seen.ofType('CONNECT');
    expect(own(event?.multiValueQueryStringParameters, '__proto__')).toEqual(['a', 'b']);
    expect(own(event?.multiValueQueryStringParameters, 'constructor')).toEqual(['c', 'd']);
    expect(own(event?.queryStringParameters, '__proto__')).toBe('b');
    expect(own(event?.queryStringParameters, 'constructor')).toBe('d');
  });
});

describe('hostile header names on $connect', () => {
  it('accepts the handshake and passes every header as an own string value, case kept', async () => {
    const { gateway, seen } = await gatewayRecordingConnects();

    await openClient(gateway.url, { headers: HOSTILE_HEADERS });

    const [event] = seen.ofType('CONNECT');
    for (const [name, value] of Object.entries(HOSTILE_HEADERS)) {
      expect({ name, single: own(event?.headers, name), multi: own(event?.multiValueHeaders, name) }).toEqual({ name, single: value, multi: [value] });
    }
    expect('isPrototypeOf' in (event?.headers ?? {})).toBe(false);
    expect(own(event?.headers, 'Host')).toMatch(/^127\.0\.0\.1:\d+$/);
    await expectGatewayServing(gateway.url);
  });

  it('appends the caller to a forwarded-for header that travels next to hostile names', async () => {
    const { gateway, seen } = await gatewayRecordingConnects();

    await openClient(gateway.url, { headers: { ['__proto__']: ['one', 'two'], 'X-Forwarded-For': '203.0.113.7' } });

    const event: GatewayEvent | undefined = seen.ofType('CONNECT')[0];
    expect(own(event?.multiValueHeaders, '__proto__')).toEqual(['one', 'two']);
    expect(own(event?.headers, '__proto__')).toBe('two');
    expect(own(event?.headers, 'X-Forwarded-For')).toBe('203.0.113.7, 127.0.0.1');
  });
});

describe('hostile route keys in messages', () => {
  it('routes {"action":"constructor"} and the like to $default: route keys are looked up in a Map', async () => {
    const { gateway } = await gatewayRecordingConnects();
    const client = await openClient(gateway.url);

    for (const action of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const frame = JSON.stringify({ action });
      client.socket.send(frame);
      expect(await client.nextMessage()).toBe(`echo ${frame}`);
    }
  });
});

describe('hostile names through the real chat (handlers and emulator)', () => {
  const chat = useLocalChat();

  it('accepts hostile query names, with or without a nickname login, and keeps serving', async () => {
    const anonymous = await ChatClient.connect(`${chat.chat.url}/${HOSTILE_QUERY}`);
    anonymous.send('/whoami');
    expect((await anonymous.next('whoami')).nickname).toBeNull();

    const named = await ChatClient.connect(`${chat.chat.url}/${HOSTILE_QUERY}&nickname=protoalice`);
    named.send('/whoami');
    expect((await named.next('whoami')).nickname).toBe('protoalice');

    await Promise.all([anonymous.close(), named.close()]);
    await expectStillServing(chat);
  });

  it('accepts hostile header names and keeps serving', async () => {
    const client = await ChatClient.open(chat.chat.url, { headers: HOSTILE_HEADERS });
    client.send('/nick protobob');
    expect((await client.next('login')).nickname).toBe('protobob');
    await client.close();
    await expectStillServing(chat);
  });

  it('reads only a frame\'s own "text": hostile keys in JSON frames change nothing', async () => {
    const [a, b] = await expectStillServing(chat);
    a.send('{"__proto__":{"text":"inherited?"}}');
    await a.error('BAD_REQUEST');
    a.send('{"action":"message","text":"plain","constructor":"x","toString":1,"hasOwnProperty":null,"valueOf":{}}');
    for (const client of [a, b]) expect((await client.next('message')).text).toBe('plain');
  });
});
