// `npm run chat -- [URL] [--nick NAME] [--token T]`: a terminal client for the chat. Events arrive as
// JSON and are rendered here (chat-cli/render.ts); the input line stays at the bottom while they do.
// A dropped connection is reopened with backoff, logging back in and rejoining the room it was in.
import type { IncomingMessage } from 'node:http';
import { createInterface, clearLine, cursorTo } from 'node:readline';
import WebSocket from 'ws';
import type { ServerEvent } from '../functions/core/events.ts';
import { complete, Roster } from './chat-cli/completion.ts';
import { chatUrl, reconnectDelayMs, RECYCLE_AFTER_MS, tlsHint } from './chat-cli/connection.ts';
import { SeenEvents } from './chat-cli/seen-events.ts';
import { colourWanted, parseServerEvent, renderEvent, renderNote } from './chat-cli/render.ts';
import { DEFAULT_HOST, localPorts } from './local-defaults.ts';
import { commandLine } from './command-line.ts';

const USAGE = `usage: npm run chat -- [URL] [--nick NAME] [--token TOKEN]
  A terminal client. URL defaults to \`npm start\` on this machine (ws://${DEFAULT_HOST}:PORT/, PORT as it uses it);
  wss:// URLs work too (for \`npm start\`'s, set NODE_EXTRA_CA_CERTS=.wschat/tls/ca.pem).
  Type messages or commands (/help lists them); Tab completes commands and nicknames; /quit or Ctrl-D leaves.
  --nick NAME      log in as NAME once connected
  --token TOKEN    sent as ?token= (for a stage that requires one)
  -h, --help       this text`;

const { fail, parse } = commandLine('chat', USAGE);
const { values, positionals } = parse({
  allowPositionals: true,
  options: {
    nick: { type: 'string' },
    token: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (positionals.length > 1) fail(`one URL at most (got ${positionals.length})\n${USAGE}`, 2);
const url = (() => {
  try {
    const base = positionals[0] ?? `ws://${DEFAULT_HOST}:${localPorts(process.env).port}/`;
    return chatUrl(base, values.token);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 2);
  }
})();
/** The URL as printed: the token is a secret, not for the scrollback or a shared screen. */
const shownUrl = values.token === undefined ? url : url.replace(/([?&]token=)[^&]*/, '$1***');

const colour = colourWanted(process.stdout.isTTY, process.env);
// Only a terminal gets a prompt and line editing; piped input is read line by line, output stays plain lines.
const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
const roster = new Roster();
const rl = createInterface({
  input: process.stdin,
  output: process.stdout,
  terminal,
  completer: (line: string) => complete(line, roster.list()),
});
rl.setPrompt('> ');

/** Prints above the input line: clear it, print, redraw the prompt with what was typed and where the cursor was. */
function print(text: string): void {
  if (!terminal) {
    process.stdout.write(`${text}\n`);
    return;
  }
  clearLine(process.stdout, 0);
  cursorTo(process.stdout, 0);
  process.stdout.write(`${text}\n`);
  rl.prompt(true);
}
const note = (text: string, failure = false) => print(renderNote(`* ${text}`, colour, failure));

// Who this client is and where, to restore after a reconnect.
let nickname: string | undefined = values.nick;
let room = 'lobby';
let socket: WebSocket | undefined;
let attempt = 0;
let everOpen = false;
let everReconnected = false;
let quitting = false;
// Lines typed before the connection is ready (open, and logged in if it logs in) wait here: the server
// handles one connection's frames concurrently, so a message sent with /nick could overtake it.
let ready = false;
let restoring: 'resume' | 'login' | 'room' | undefined;
let loginAttempt = 0;
const outbox: string[] = [];
// What gets this user back after a drop without anyone seeing it: the token of the last login, and the
// seqs of each room's events shown (the resume replays from the last one; an overlap is not shown twice).
let resumeToken: string | undefined;
const seen = new SeenEvents();
let recycleTimer: NodeJS.Timeout | undefined;
let recycling = false;

function send(line: string): void {
  if (ready && socket?.readyState === WebSocket.OPEN) socket.send(line);
  else outbox.push(line);
}

function becomeReady(): void {
  ready = true;
  restoring = undefined;
  for (const line of outbox.splice(0)) socket?.send(line);
}

function connect(): void {
  const ws = new WebSocket(url);
  socket = ws;
  ready = false;
  let refused = false;
  ws.on('open', () => {
    attempt = 0;
    if (everOpen) {
      everReconnected = true;
      if (!recycling) note(`reconnected to ${shownUrl}`);
    }
    everOpen = true;
    clearTimeout(recycleTimer);
    // Before API Gateway's 2-hour cap closes it: a new connection, resumed, with nothing to see.
    recycleTimer = setTimeout(() => {
      recycling = true;
      ws.close(1000);
    }, RECYCLE_AFTER_MS).unref();
    if (nickname !== undefined && resumeToken !== undefined) {
      restoring = 'resume';
      const last = seen.last(room);
      ws.send(`/resume ${resumeToken}${last === undefined ? '' : ` ${last}`}`);
    } else if (nickname !== undefined) {
      restoring = 'login';
      loginAttempt = 0;
      ws.send(`/nick ${nickname}`);
    } else becomeReady();
  });
  ws.on('message', (data) => {
    const frame = data.toString();
    const event = parseServerEvent(frame);
    if (!event) {
      print(frame); // not an event this client knows (e.g. `?format=text`): as it came
      return;
    }
    const shown = seen.unseen(event, restoring === 'resume');
    if (!shown) return; // a replayed event already on the screen
    roster.update(shown);
    track(shown);
    if (shown.type === 'login' && restoring === 'resume') return; // `resumed` follows and says it
    if (shown.type === 'resumed' && recycling && !shown.gap) {
      recycling = false;
      return;
    }
    for (const line of renderEvent(shown, colour)) print(line);
  });
  ws.on('unexpected-response', (_request, response: IncomingMessage) => {
    // A refused handshake: the status and the reason the server gave in the body.
    refused = true;
    let body = '';
    response.on('data', (chunk: Buffer) => (body += chunk.toString()));
    response.on('end', () => {
      // 401 is API Gateway's answer to a handshake without a token, when the chat requires sign-in.
      const signIn = response.statusCode === 401 && values.token === undefined ? ' (this chat requires sign-in: pass --token TOKEN)' : '';
      const reason = `${shownUrl} refused the connection: HTTP ${response.statusCode ?? '?'}${body.trim() ? ` ${body.trim()}` : ''}${signIn}`;
      if (!everOpen) fail(reason);
      note(reason, true);
      ws.terminate();
    });
  });
  ws.on('error', (error) => {
    if (refused || quitting) return;
    const hint = tlsHint(error);
    if (!everOpen) fail(hint ?? `no chat answers at ${shownUrl}: ${error.message}${url.includes(DEFAULT_HOST) ? ' (run `npm start` first?)' : ''}`);
    note(hint ?? `connection error: ${error.message}`, true);
  });
  ws.on('close', (code, reason) => {
    if (quitting) {
      process.exit(0);
    }
    if (socket !== ws || (!everOpen && !refused)) return;
    if (recycling) {
      connect();
      return;
    }
    const delay = reconnectDelayMs(attempt);
    attempt += 1;
    note(`disconnected (${code}${reason.length ? ` ${reason.toString()}` : ''}); reconnecting in ${delay / 1000} s`, true);
    setTimeout(connect, delay);
  });
}

/** Keeps nickname and room current, and finishes a login or rejoin in progress. */
function track(event: ServerEvent): void {
  if (event.type === 'login') {
    nickname = event.nickname;
    resumeToken = event.resume;
    if (restoring === 'login') {
      if (room !== 'lobby') {
        restoring = 'room';
        socket?.send(`/join ${room}`);
      } else becomeReady();
    }
  } else if (event.type === 'resumed') {
    room = event.room;
    seen.caughtUp(room);
    becomeReady();
  } else if (event.type === 'error' && restoring === 'resume' && event.code === 'RESUME_FAILED') {
    // The token is no longer good (expired, or the name was taken meanwhile): log in by name instead.
    resumeToken = undefined;
    restoring = 'login';
    loginAttempt = 0;
    if (nickname !== undefined) socket?.send(`/nick ${nickname}`);
  } else if (event.type === 'room') {
    room = event.room;
    if (restoring === 'room') becomeReady();
  } else if (event.type === 'error' && restoring === 'login' && event.code === 'NICKNAME_TAKEN' && everReconnected && loginAttempt < 5) {
    // After a drop the old connection can hold the name until the server notices it is gone: try again.
    const delay = reconnectDelayMs(loginAttempt);
    loginAttempt += 1;
    const ws = socket;
    note(`"${nickname ?? ''}" is still held by the dropped connection; trying again in ${delay / 1000} s`);
    setTimeout(() => {
      if (socket === ws && ws?.readyState === WebSocket.OPEN && nickname !== undefined) ws.send(`/nick ${nickname}`);
    }, delay);
  } else if (event.type === 'error' && restoring !== undefined) {
    // The login or rejoin failed (the name taken meanwhile, say): the error is shown; carry on as we are.
    if (restoring === 'login') nickname = undefined;
    becomeReady();
  }
}

function quit(): void {
  if (quitting) return;
  quitting = true;
  if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) {
    socket.close(1000);
    // A server that never answers the close must not keep the terminal.
    setTimeout(() => process.exit(0), 2000).unref();
  } else process.exit(0);
}

rl.on('line', (line) => {
  if (line.trim() === '/quit') {
    quit();
    return;
  }
  if (line.trim() !== '') send(line);
  if (terminal) rl.prompt();
});
rl.on('close', quit); // Ctrl-D, or the end of piped input
rl.on('SIGINT', quit);

connect();
if (terminal) rl.prompt();
