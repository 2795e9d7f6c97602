// The browser client in a real browser: Debian's Chromium driven by playwright-core, two pages talking
// to each other through the local gateway that also serves the page. Skipped, with a notice, where
// /usr/bin/chromium is not installed (.ci/apt-packages installs it).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useLocalChat } from './support/chat.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`\n⚠ browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)\n`);

/** Playwright's own waits; generous, for a busy 2-core machine. */
const WAIT_MS = 15_000;

/** A port nothing listens on (just freed by the OS). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!hasChromium)('the browser client', () => {
  // No grace for 410s: a dropped page's old connection is evicted as soon as its nickname is claimed again.
  const chat = useLocalChat({ env: { CONNECT_GRACE_MS: '0' } });
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  // Registered after useLocalChat's, so it runs first: pages close before the harness waits for no connections.
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });

  const pageUrl = () => `${chat.chat.url.replace(/^ws/, 'http')}/`;

  /** A page of its own (separate storage), logged in through the nickname form. */
  async function openChat(nickname: string): Promise<Page> {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(pageUrl());
    await page.locator('#status[data-state="open"]').waitFor();
    await page.fill('#nick-input', nickname);
    await page.click('#nick-form button[type="submit"]');
    await page.locator('#me', { hasText: nickname }).waitFor();
    return page;
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#message-input', text);
    await page.press('#message-input', 'Enter');
  }

  const logLine = (page: Page, type: string, text: string) => page.locator(`#log [data-type="${type}"]`, { hasText: text });
  const logText = (page: Page) => page.locator('#log').innerText();
  const onlineUser = (page: Page, nickname: string) => page.locator(`#user-list li[data-nickname="${nickname}"]`);

  /** The page's connection id, from its own /whoami line. */
  async function connectionIdOf(page: Page): Promise<string> {
    const before = await page.locator('#log [data-type="whoami"]').count();
    await say(page, '/whoami');
    const line = page.locator('#log [data-type="whoami"]').nth(before);
    const id = await line.getAttribute('data-connection-id');
    if (!id) throw new Error('no connection id on the /whoami line');
    return id;
  }

  it('lets two people chat, see each other online, whisper, and ignore', async () => {
    const alice = await openChat('alice');
    const bob = await openChat('bob');

    // Each sees the other in the online list (alice's refreshes on "bob joined").
    await onlineUser(alice, 'bob').waitFor();
    await onlineUser(bob, 'alice').waitFor();

    await say(alice, 'hi bob');
    await logLine(bob, 'message', 'hi bob').waitFor();
    await say(bob, 'hello <b>alice</b>');
    await logLine(alice, 'message', 'hello <b>alice</b>').waitFor();
    // Text stays text: the markup arrived as characters, not as an element.
    expect(await alice.locator('#log b').count()).toBe(0);

    // A private message, from a click on the name in the online list.
    await bob.click('#user-list li[data-nickname="alice"] button');
    expect(await bob.inputValue('#message-input')).toBe('@alice ');
    await bob.press('#message-input', 'End');
    await bob.type('#message-input', 'psst');
    await bob.press('#message-input', 'Enter');
    await logLine(alice, 'private', 'psst').waitFor();
    await logLine(bob, 'private', 'psst').waitFor();

    // Ignore: bob stops getting broadcasts, and may not send one (shown as an error).
    await bob.click('#ignore-toggle');
    await bob.locator('#ignore-toggle[aria-pressed="true"]').waitFor();
    await say(alice, 'while bob ignores');
    await logLine(alice, 'message', 'while bob ignores').waitFor();
    await say(bob, 'can anyone hear me');
    await logLine(bob, 'error', 'IGNORING').waitFor();
    await say(alice, '@bob private messages still work');
    await logLine(bob, 'private', 'private messages still work').waitFor();
    expect(await logText(bob)).not.toContain('while bob ignores');
    expect(await logText(alice)).not.toContain('can anyone hear me');

    await bob.click('#ignore-toggle');
    await bob.locator('#ignore-toggle[aria-pressed="false"]').waitFor();
    await say(alice, 'welcome back');
    await logLine(bob, 'message', 'welcome back').waitFor();

    // Commands typed as text go to the server as typed; an unknown one is shown as an error.
    await say(alice, '/bogus');
    await logLine(alice, 'error', 'UNKNOWN_COMMAND').waitFor();

    await mkdir('test-results', { recursive: true });
    await alice.screenshot({ path: 'test-results/browser-chat.png' });
  });

  it('reconnects after a drop, logs back in with the same nickname and restores ignore', async () => {
    const alice = await openChat('alice');
    const bob = await openChat('bob');
    await bob.click('#ignore-toggle');
    await bob.locator('#ignore-toggle[aria-pressed="true"]').waitFor();
    const connectionId = await connectionIdOf(bob);

    // The socket vanishes without a $disconnect; the page must come back on its own.
    chat.chat.gateway.dropConnection(connectionId);
    await bob.locator('#status[data-connects="2"]').waitFor();
    await logLine(bob, 'note', 'Connection lost').waitFor();
    await expect.poll(() => bob.locator('#log [data-type="login"]').count(), { timeout: WAIT_MS }).toBe(2);
    await bob.locator('#me', { hasText: 'bob' }).waitFor();
    // The new connection starts out not ignoring; the page toggles it back on.
    await bob.locator('#ignore-toggle[aria-pressed="true"]:not([disabled])').waitFor();
    expect(chat.chat.gateway.connectionIds()).not.toContain(connectionId);

    await bob.click('#ignore-toggle');
    await bob.locator('#ignore-toggle[aria-pressed="false"]').waitFor();
    await say(alice, 'back again?');
    await logLine(bob, 'message', 'back again?').waitFor();
    await say(bob, 'yes');
    await logLine(alice, 'message', 'yes').waitFor();
    await onlineUser(alice, 'bob').waitFor();
    await onlineUser(bob, 'alice').waitFor();
    await bob.screenshot({ path: 'test-results/browser-reconnect.png' });
  });

  it('shows events it does not know and frames that are not JSON as plain text', async () => {
    const alice = await openChat('alice');
    const id = await connectionIdOf(alice);
    // Pushed through the management API, as a newer server (or an operator) might.
    const post = (body: string) => fetch(`${chat.chat.callbackUrl}/@connections/${encodeURIComponent(id)}`, { method: 'POST', body });
    expect((await post('{"type":"poll","at":"2026-01-01T00:00:00.000Z","question":"<img src=x id=injected>"}')).status).toBe(200);
    expect((await post('<b id="bold">not json</b>')).status).toBe(200);
    await logLine(alice, 'unknown', '"question":"<img src=x id=injected>"').waitFor();
    await logLine(alice, 'note', '<b id="bold">not json</b>').waitFor();
    expect(await alice.locator('#injected, #bold').count()).toBe(0);
    // The page still works.
    await say(alice, 'still here');
    await logLine(alice, 'message', 'still here').waitFor();
  });

  it('uses the socket URL ?ws= gives, and backs off while it cannot connect', async () => {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const nowhere = `ws://127.0.0.1:${await unusedPort()}/`;
    await page.goto(`${pageUrl()}?ws=${encodeURIComponent(nowhere)}`);
    await page.locator('#status[data-state="waiting"]', { hasText: 'reconnecting in' }).waitFor();
    expect(await page.getAttribute('#status', 'title')).toBe(nowhere);
    await page.locator('#retry:not([hidden])').waitFor();
    await page.fill('#nick-input', 'patient');
    await page.click('#nick-form button[type="submit"]');
    await logLine(page, 'note', 'will log in as patient once connected').waitFor();

    const elsewhere = await context.newPage();
    await elsewhere.goto(`${pageUrl()}?ws=${encodeURIComponent(`${chat.chat.url}/local`)}`);
    await elsewhere.locator('#status[data-state="open"]').waitFor({ timeout: WAIT_MS });
    expect(await elsewhere.getAttribute('#status', 'title')).toBe(`${chat.chat.url}/local`);

    const malformed = await context.newPage();
    await malformed.goto(`${pageUrl()}?ws=${encodeURIComponent('ws://[::1/')}`);
    await logLine(malformed, 'client-error', 'Cannot connect to ws://[::1/').waitFor({ timeout: WAIT_MS });
    expect(await malformed.getAttribute('#status', 'data-state')).toBe('failed');

    // The schedule itself, from the page's own module: doubling from 0.5 s up to 15 s, jittered into its upper half.
    // A string, so vitest's transform leaves the browser's own dynamic import alone.
    const delays = await page.evaluate<number[][]>(`import('./reconnecting-socket.js').then(({ backoffDelay }) =>
      [0, 1, 2, 5, 10].map((attempt) => [backoffDelay(attempt, 500, 15000, () => 0), backoffDelay(attempt, 500, 15000, () => 1)]))`);
    expect(delays).toEqual([
      [250, 500],
      [500, 1000],
      [1000, 2000],
      [7500, 15_000],
      [7500, 15_000],
    ]);
  });

  it('moves between rooms, with their member counts and history', async () => {
    const alice = await openChat('alice');
    const bob = await openChat('bob');
    await alice.locator('#room-panel:not([hidden]) #current-room', { hasText: '#lobby' }).waitFor();

    // bob opens a room through the join form, and talks there: the lobby does not hear it.
    await bob.fill('#join-input', 'games');
    await bob.press('#join-input', 'Enter');
    await bob.locator('#current-room', { hasText: '#games' }).waitFor();
    await bob.locator('#room-list li[data-room="games"][aria-current]').waitFor();
    await say(bob, 'anyone for chess');
    await logLine(bob, 'message', 'anyone for chess').waitFor();

    // alice sees the room in the list, joins it with a click, and gets its history.
    await alice.click('#rooms-button');
    await alice.locator('#room-list li[data-room="games"] .count', { hasText: /^1$/ }).waitFor();
    await alice.click('#room-list li[data-room="games"] button');
    await alice.locator('#current-room', { hasText: '#games' }).waitFor();
    await logLine(alice, 'history', 'anyone for chess').waitFor();
    await logLine(alice, 'history-head', '#games').waitFor();
    await onlineUser(alice, 'bob').waitFor();
    await alice.locator('#room-list li[data-room="games"] .count', { hasText: /^2$/ }).waitFor();
    await say(alice, 'me');
    await logLine(bob, 'message', 'me').waitFor();

    // /leave goes back to the lobby; the History button asks for the room's recent messages.
    await bob.click('#leave-button');
    await bob.locator('#current-room', { hasText: '#lobby' }).waitFor();
    await onlineUser(alice, 'bob').waitFor({ state: 'detached' });
    await alice.click('#history-button');
    await expect.poll(() => logLine(alice, 'history', 'anyone for chess').count(), { timeout: WAIT_MS }).toBe(2);
    await alice.screenshot({ path: 'test-results/browser-rooms.png' });

    // After a drop the page logs back in (in the lobby) and rejoins its room.
    chat.chat.gateway.dropConnection(await connectionIdOf(alice));
    await alice.locator('#status[data-connects="2"]').waitFor();
    await expect.poll(() => logLine(alice, 'room', '#games').count(), { timeout: WAIT_MS }).toBe(2);
    await alice.locator('#current-room', { hasText: '#games' }).waitFor();
  });
});
