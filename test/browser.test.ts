// The browser client in a real browser: Debian's Chromium driven by playwright-core, two pages talking
// to each other through the local gateway that also serves the page. Skipped, with a notice, where
// /usr/bin/chromium is not installed (.ci/apt-packages installs it).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../local/listening.ts';
import { useLocalChat } from './support/chat.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`\n⚠ browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)\n`);

/** Playwright's own waits; generous, for a busy 2-core machine. */
const WAIT_MS = 15_000;

// The DOM as the functions that run in the page use it (the root tsconfig has no DOM library).
interface Box {
  x: number;
  top: number;
  right: number;
  width: number;
  height: number;
}
interface PageNode {
  readonly dataset: Record<string, string | undefined>;
}
declare const document: { activeElement: { id: string } | null; createRange(): { selectNodeContents(node: unknown): void; getBoundingClientRect(): Box } };
declare function getComputedStyle(node: unknown): { lineHeight: string; fontSize: string };

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 400, height: 760 };

/** A message long enough to wrap many times, with a word too long for any line. */
const LONG_MESSAGE = `${'a long message that goes on and on '.repeat(12)}${'x'.repeat(200)} the end`;

/**
 * A sender element's box against its line height: on one line, its height is one line-height.
 * (Computed `line-height: 1.45` is resolved to pixels; `normal` is about 1.2 em.)
 */
async function senderBox(page: Page, selector: string) {
  return page.locator(selector).first().evaluate((node) => {
    const style = getComputedStyle(node);
    const lineHeight = style.lineHeight === 'normal' ? 1.2 * parseFloat(style.fontSize) : parseFloat(style.lineHeight);
    const box = node.getBoundingClientRect();
    return { height: box.height, width: box.width, lineHeight, truncated: node.scrollWidth > node.clientWidth, right: box.right };
  });
}

/** Frames of a page's sockets, passed through a route the test controls (playwright's routeWebSocket). */
interface SocketTap {
  /** How many server frames of each type the page was kept from seeing. */
  readonly withheld: Map<string, number>;
  /** Sockets the page opened, in order. */
  readonly sockets: WebSocketRoute[];
}

/**
 * Routes the page's WebSockets to the real server, withholding the server frames `withhold` picks
 * and holding the n-th socket (0-based) back from the server until `hold.release` resolves (what the
 * page sends meanwhile is queued).
 */
async function tapSockets(page: Page, options: { withhold?: (event: { type?: unknown }) => boolean; hold?: { index: number; release: Promise<void> } } = {}): Promise<SocketTap> {
  const tap: SocketTap = { withheld: new Map(), sockets: [] };
  await page.routeWebSocket(/./, (route) => {
    const index = tap.sockets.push(route) - 1;
    const queued: Array<string | Buffer> = [];
    let toServer: WebSocketRoute | undefined;
    route.onMessage((message) => (toServer ? toServer.send(message) : queued.push(message)));
    const connect = () => {
      const server = route.connectToServer();
      server.onMessage((message) => {
        let type: unknown;
        try {
          type = (JSON.parse(String(message)) as { type?: unknown }).type;
        } catch {
          type = undefined;
        }
        if (options.withhold?.({ type })) tap.withheld.set(String(type), (tap.withheld.get(String(type)) ?? 0) + 1);
        else route.send(message);
      });
      toServer = server;
      for (const message of queued.splice(0)) server.send(message);
    };
    if (options.hold && options.hold.index === index) void options.hold.release.then(connect);
    else connect();
  });
  return tap;
}

/**
 * Chromium for one describe block: launched once, and each test's pages closed after it. Call it after
 * useLocalChat: its afterEach then runs first, so pages close before the harness waits for no connections.
 */
function useChromium(): { newPage(viewport?: { width: number; height: number }): Promise<Page> } {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    /** A page in a context of its own (separate storage). */
    async newPage(viewport) {
      if (!browser) throw new Error('no browser');
      const context = await browser.newContext(viewport ? { viewport } : {});
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      return page;
    },
  };
}

describe.skipIf(!hasChromium)('the browser client', () => {
  // No grace for 410s: a dropped page's old connection is evicted as soon as its nickname is claimed again.
  const chat = useLocalChat({ env: { CONNECT_GRACE_MS: '0' } });
  const chromiumPages = useChromium();

  const pageUrl = () => `${chat.chat.url.replace(/^ws/, 'http')}/`;

  /** A page of its own (separate storage), not logged in yet; `before` runs before the page loads (routes). */
  async function openPage(viewport = { width: 1000, height: 640 }, before?: (page: Page) => Promise<unknown>): Promise<Page> {
    const page = await chromiumPages.newPage(viewport);
    await before?.(page);
    await page.goto(pageUrl());
    await page.locator('#status[data-state="open"]').waitFor();
    return page;
  }

  async function logIn(page: Page, nickname: string): Promise<void> {
    await page.fill('#nick-input', nickname);
    await page.click('#nick-form button[type="submit"]');
    await page.locator('#me', { hasText: nickname }).waitFor();
  }

  /** A page of its own (separate storage), logged in through the nickname form. */
  async function openChat(nickname: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await openPage(viewport);
    await logIn(page, nickname);
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

  it('reconnects after a drop and resumes: the same nickname, ignore restored', async () => {
    const alice = await openChat('alice');
    const bob = await openChat('bob');
    await bob.click('#ignore-toggle');
    await bob.locator('#ignore-toggle[aria-pressed="true"]').waitFor();
    const connectionId = await connectionIdOf(bob);

    // The socket vanishes without a $disconnect; the page must come back on its own.
    chat.chat.gateway.dropConnection(connectionId);
    await bob.locator('#status[data-connects="2"]').waitFor();
    await logLine(bob, 'note', 'Connection lost').waitFor();
    await logLine(bob, 'note', 'Back as bob in #lobby').waitFor(); // resumed: the same bob, nothing missed
    await bob.locator('#me', { hasText: 'bob' }).waitFor();
    // The resume brought the ignore flag back with the name.
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
    const page = await chromiumPages.newPage();
    const nowhere = `ws://127.0.0.1:${await freePort()}/`;
    await page.goto(`${pageUrl()}?ws=${encodeURIComponent(nowhere)}`);
    await page.locator('#status[data-state="waiting"]', { hasText: 'reconnecting in' }).waitFor();
    expect(await page.getAttribute('#status', 'title')).toBe(nowhere);
    await page.locator('#retry:not([hidden])').waitFor();
    await page.fill('#nick-input', 'patient');
    await page.click('#nick-form button[type="submit"]');
    await logLine(page, 'note', 'will log in as patient once connected').waitFor();

    const elsewhere = await page.context().newPage();
    await elsewhere.goto(`${pageUrl()}?ws=${encodeURIComponent(`${chat.chat.url}/local`)}`);
    await elsewhere.locator('#status[data-state="open"]').waitFor({ timeout: WAIT_MS });
    expect(await elsewhere.getAttribute('#status', 'title')).toBe(`${chat.chat.url}/local`);

    const malformed = await page.context().newPage();
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

    // After a drop the page resumes, back in its room at once.
    chat.chat.gateway.dropConnection(await connectionIdOf(alice));
    await alice.locator('#status[data-connects="2"]').waitFor();
    await logLine(alice, 'note', 'Back as alice in #games').waitFor();
    await alice.locator('#current-room', { hasText: '#games' }).waitFor();
  });
  it('asks for a nickname first, with the field focused', async () => {
    const page = await openPage();
    await logLine(page, 'prompt', 'Pick a nickname to start chatting').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('nick-input');
    expect(await page.locator('#me').innerText()).toBe('—');
    await page.keyboard.type('newbie');
    await page.keyboard.press('Enter');
    await page.locator('#me', { hasText: 'newbie' }).waitFor();
    expect(await page.locator('#nick-form[data-prompt]').count()).toBe(0);
  });

  it('keeps the sender on one line beside a long message, at 1280 px and at 400 px', async () => {
    const carol = await openChat('carol', DESKTOP);
    const dave = await openChat('dave', PHONE);
    const longName = 'Bartholomew_Fitzgerald99'; // 24 characters, the most a nickname has
    const bart = await openChat(longName, DESKTOP);
    await say(carol, LONG_MESSAGE);
    await say(dave, 'hi');
    await say(bart, LONG_MESSAGE.slice(0, 300));
    for (const page of [carol, dave]) {
      await logLine(page, 'message', 'the end').waitFor();
      await logLine(page, 'message', 'hi').waitFor();
      await logLine(page, 'message', 'goes on').locator('.nick', { hasText: longName }).waitFor();
    }
    for (const page of [carol, dave]) {
      const width = page.viewportSize()?.width;
      // carol's long message, and dave's short one ("dav/e:" at 400 px before).
      for (const sender of ['carol', 'dave']) {
        const box = await senderBox(page, `#log [data-type="message"] .nick:text-is("${sender}")`);
        expect(box.height, `${sender} at ${width} px: ${JSON.stringify(box)}`).toBeLessThan(1.5 * box.lineHeight);
        expect(box.truncated).toBe(false);
      }
      // The longest name: on one line too, cut with an ellipsis where it cannot fit, and never past the page.
      const long = await senderBox(page, `#log [data-type="message"] .nick:text-is("${longName}")`);
      expect(long.height, `${longName} at ${width} px`).toBeLessThan(1.5 * long.lineHeight);
      expect(long.right).toBeLessThanOrEqual(width ?? 0);
      // The text wraps (many lines), beside or below the sender, within the page.
      const text = await logLine(page, 'message', 'the end').locator('.text').evaluate((node) => node.getBoundingClientRect().toJSON() as Box);
      expect(text.right).toBeLessThanOrEqual(width ?? 0);
    }
    expect((await senderBox(dave, `#log [data-type="message"] .nick:text-is("${longName}")`)).truncated).toBe(true);

    // On a phone the messages are the page: near the top, most of the height. The people panel starts closed.
    const log = await dave.locator('#log').evaluate((node) => node.getBoundingClientRect().toJSON() as Box);
    expect(log.top, 'the message list starts near the top').toBeLessThanOrEqual(0.3 * PHONE.height);
    expect(log.height, 'the message list is most of the screen').toBeGreaterThanOrEqual(0.5 * PHONE.height);
    expect(await dave.locator('#side').isVisible()).toBe(false);
    expect(await dave.getAttribute('#people-toggle', 'aria-expanded')).toBe('false');
    await mkdir('test-results', { recursive: true });
    await dave.screenshot({ path: 'test-results/browser-400.png' });

    // Opened, it lists the people; a click anywhere on a row (here its empty right end) starts a private message.
    await dave.click('#people-toggle');
    await dave.locator('#side').waitFor();
    await onlineUser(dave, 'carol').waitFor();
    const row = onlineUser(dave, 'carol');
    const rowBox = await row.boundingBox();
    const nameBox = await row.locator('button').evaluate((node) => {
      const range = document.createRange();
      range.selectNodeContents(node);
      return { right: range.getBoundingClientRect().right };
    });
    if (!rowBox) throw new Error('no row box');
    expect(rowBox.width - (nameBox.right - rowBox.x)).toBeGreaterThan(20); // room to click past the name
    await row.click({ position: { x: rowBox.width - 5, y: rowBox.height / 2 } });
    expect(await dave.inputValue('#message-input')).toBe('@carol ');
    expect(await dave.evaluate(() => document.activeElement?.id)).toBe('message-input');
    await dave.locator('#side').waitFor({ state: 'hidden' }); // out of the way of the messages again

    // On a wide screen the panel is open beside the messages; the row's empty area works there too.
    expect(await carol.locator('#side').isVisible()).toBe(true);
    await onlineUser(carol, 'dave').waitFor();
    const wideRow = onlineUser(carol, 'dave');
    const wideBox = await wideRow.boundingBox();
    if (!wideBox) throw new Error('no row box');
    await wideRow.click({ position: { x: wideBox.width - 5, y: wideBox.height / 2 } });
    expect(await carol.inputValue('#message-input')).toBe('@dave ');
    await carol.screenshot({ path: 'test-results/browser-1280.png' });
    // The toggle closes it there too, giving the messages the width.
    const before = await carol.locator('#log').evaluate((node) => node.getBoundingClientRect().width);
    await carol.click('#people-toggle');
    await carol.locator('#side').waitFor({ state: 'hidden' });
    expect(await carol.locator('#log').evaluate((node) => node.getBoundingClientRect().width)).toBeGreaterThan(before);
  });

  it('shows joins, renames and leaves in the online list from the announcements, without /ls', async () => {
    // alice's page never sees a `users` answer: whatever its list shows came from the announcements.
    let tap: SocketTap | undefined;
    const alice = await openPage(DESKTOP, async (page) => {
      tap = await tapSockets(page, { withhold: (event) => event.type === 'users' });
    });
    await logIn(alice, 'alice');
    await onlineUser(alice, 'alice').waitFor(); // from "alice joined"
    const bob = await openChat('bob');
    await logLine(alice, 'system', 'bob joined').waitFor();
    await onlineUser(alice, 'bob').waitFor();
    await say(bob, '/nick robert');
    await logLine(alice, 'system', 'bob is now robert').waitFor();
    await onlineUser(alice, 'robert').waitFor();
    expect(await onlineUser(alice, 'bob').count()).toBe(0);
    await bob.context().close();
    await logLine(alice, 'system', 'robert left').waitFor();
    await onlineUser(alice, 'robert').waitFor({ state: 'detached' });
    expect(await alice.locator('#user-list li').evaluateAll((rows) => rows.map((row) => (row as PageNode).dataset.nickname))).toEqual(['alice']);
    // The page did ask (/ls after each announcement, to confirm); it got no answer.
    expect(tap?.withheld.get('users') ?? 0).toBeGreaterThan(0);
  });

  it('says a nickname is taken after a reconnect and asks for another, never claiming it meanwhile', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let tap: SocketTap | undefined;
    // frank's second connection is held back from the server until someone else has taken "frank".
    const frank = await openPage(DESKTOP, async (page) => {
      tap = await tapSockets(page, { hold: { index: 1, release: released } });
    });
    await logIn(frank, 'frank');
    chat.chat.gateway.dropConnection(await connectionIdOf(frank));
    await logLine(frank, 'note', 'Connection lost').waitFor();
    // Not logged in any more: the header says so, and shows the name only as being asked for.
    await frank.locator('#me', { hasText: '—' }).waitFor();
    await frank.locator('#me-pending', { hasText: 'logging in as frank' }).waitFor();
    await expect.poll(() => tap?.sockets.length ?? 0, { timeout: WAIT_MS }).toBe(2);
    await chat.login('frank'); // someone else, while frank's page is away
    release();
    // A few quick retries (our old connection might have held it), then the answer and the question.
    await logLine(frank, 'note', 'trying again').first().waitFor();
    expect(await frank.locator('#me').innerText()).toBe('—');
    await logLine(frank, 'prompt', 'frank is taken').waitFor({ timeout: WAIT_MS });
    expect(await logLine(frank, 'note', 'trying again').count()).toBeLessThanOrEqual(3);
    expect(await frank.locator('#me').innerText()).toBe('—');
    expect(await frank.locator('#me-pending').isVisible()).toBe(false);
    expect(await frank.evaluate(() => document.activeElement?.id)).toBe('nick-input');
    await frank.keyboard.type('frank2'); // the refused name is selected: typing replaces it
    await frank.keyboard.press('Enter');
    await frank.locator('#me', { hasText: 'frank2' }).waitFor();
    await onlineUser(frank, 'frank').waitFor();
  });
});

// Last in the file: the local chat's handlers read CONNECT_TOKEN from this process's environment.
// The $connect authorizer (CONNECT_AUTH=token) checks it first, as the deployed stack's would.
describe.skipIf(!hasChromium)('the browser client, against a chat that requires a token', () => {
  const TOKEN = 'open-sesame';
  const chat = useLocalChat({ env: { CONNECT_GRACE_MS: '0', CONNECT_AUTH: 'token', CONNECT_TOKEN: TOKEN } });
  const chromiumPages = useChromium();
  afterAll(() => {
    delete process.env.CONNECT_TOKEN;
    delete process.env.CONNECT_AUTH;
  });

  async function open(query: string): Promise<Page> {
    const page = await chromiumPages.newPage(DESKTOP);
    await page.goto(`${chat.chat.url.replace(/^ws/, 'http')}/${query}`);
    return page;
  }

  it('passes ?token= on to the socket, and says so when the handshake is refused', async () => {
    // The right token: connected (the server refuses any socket without it), and chatting.
    const right = await open(`?token=${encodeURIComponent(TOKEN)}`);
    await right.locator('#status[data-state="open"]').waitFor();
    await right.fill('#nick-input', 'tokened');
    await right.press('#nick-input', 'Enter');
    await right.locator('#me', { hasText: 'tokened' }).waitFor();
    // The secret is not shown on the page, nor left in its address.
    expect(await right.getAttribute('#status', 'title')).not.toContain(TOKEN);
    expect(right.url()).not.toContain(TOKEN);

    // A wrong one: the browser sees only a failed handshake; the page says so and names the token.
    const wrong = await open('?token=not-it');
    const refused = wrong.locator('#log [data-type="client-error"]', { hasText: 'could not connect' });
    await refused.waitFor();
    expect(await refused.innerText()).toContain('refused or unreachable');
    expect(await refused.innerText()).toContain('token');
    expect(await wrong.locator('#log').innerText()).not.toContain('not-it');
    await wrong.locator('#status[data-state="waiting"]').waitFor();

    // None at all: the same refusal, without blaming a token, pointing at sign-in.
    const none = await open('');
    const noToken = none.locator('#log [data-type="client-error"]', { hasText: 'could not connect' });
    await noToken.waitFor();
    expect(await noToken.innerText()).not.toContain('token');
    expect(await noToken.innerText()).toContain('Sign-in field');
  });

  it('signs in with the Sign-in field, keeps the token for the tab, and signs out', async () => {
    const page = await open('');
    await page.locator('#log [data-type="client-error"]', { hasText: 'could not connect' }).waitFor();
    await page.fill('#token-input', TOKEN);
    await page.press('#token-input', 'Enter');
    await page.locator('#status[data-state="open"]').waitFor();
    await page.locator('#signed-in').waitFor();
    await page.fill('#nick-input', 'fieldtoken');
    await page.press('#nick-input', 'Enter');
    await page.locator('#me', { hasText: 'fieldtoken' }).waitFor();
    expect(await page.locator('#token-input').isHidden()).toBe(true);

    await page.click('#sign-out');
    await page.locator('#token-input').waitFor();
    await page.locator('#log [data-type="client-error"]', { hasText: 'Sign-in field' }).waitFor();
  });
});
