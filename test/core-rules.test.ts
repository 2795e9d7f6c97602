import { describe, expect, it } from 'vitest';
import type { ChatCommand } from '../functions/core/frame.ts';
import { accessError, isMessageRecipient, isRateLimited, isSystemRecipient, type Sender } from '../functions/core/rules.ts';

const guest: Sender = { connectionId: 'c1', nickname: null, ignoring: false };
const alice: Sender = { connectionId: 'c2', nickname: 'alice', ignoring: false };
const ignoringAlice: Sender = { ...alice, ignoring: true };

const commands: Record<ChatCommand['kind'], ChatCommand> = {
  nick: { kind: 'nick', nickname: 'bob', key: 'bob' },
  list: { kind: 'list' },
  help: { kind: 'help' },
  resume: { kind: 'resume', token: 'x', afterSeq: null },
  ignore: { kind: 'ignore' },
  whoami: { kind: 'whoami' },
  private: { kind: 'private', to: 'bob', toKey: 'bob', text: 'hi' },
  broadcast: { kind: 'broadcast', text: 'hi' },
  join: { kind: 'join', room: 'games' },
  leave: { kind: 'leave' },
  rooms: { kind: 'rooms' },
  history: { kind: 'history', limit: 20 },
};

describe('accessError', () => {
  it('lets a guest use only /nick, /help, /whoami and /resume', () => {
    const allowed = Object.values(commands).filter((command) => accessError(command, guest) === null).map((c) => c.kind);
    expect(allowed.sort()).toEqual(['help', 'nick', 'resume', 'whoami']);
    expect(accessError(commands.broadcast, guest)?.code).toBe('NOT_LOGGED_IN');
  });

  it('lets a logged-in user do everything', () => {
    for (const command of Object.values(commands)) expect(accessError(command, alice)).toBeNull();
  });

  it('forbids an ignoring user to broadcast, but not to send private messages', () => {
    expect(accessError(commands.broadcast, ignoringAlice)?.code).toBe('IGNORING');
    expect(accessError(commands.private, ignoringAlice)).toBeNull();
    expect(accessError(commands.ignore, ignoringAlice)).toBeNull();
  });

  it('hides room history from an ignoring user, who may still move between rooms', () => {
    expect(accessError(commands.history, ignoringAlice)?.code).toBe('IGNORING');
    expect(accessError(commands.join, ignoringAlice)).toBeNull();
  });
});

describe('isRateLimited', () => {
  it('allows exactly `limit` frames per window, and everything when the limit is 0', () => {
    expect(isRateLimited(30, 30)).toBe(false);
    expect(isRateLimited(31, 30)).toBe(true);
    expect(isRateLimited(10_000, 0)).toBe(false);
  });
});

describe('recipients', () => {
  it('sends chat messages only to members not ignoring', () => {
    expect(isMessageRecipient({ ignoring: false })).toBe(true);
    expect(isMessageRecipient({ ignoring: true })).toBe(false);
  });

  it('sends system announcements to everyone, ignoring ones too', () => {
    expect(isSystemRecipient({ ignoring: true })).toBe(true);
    expect(isSystemRecipient({ ignoring: false })).toBe(true);
  });
});
