// Who may do what, and who receives what. Pure functions over plain records.
import { chatError, type ChatError } from './events.ts';
import type { ChatCommand, CommandKind } from './frame.ts';
import type { EventFormat } from './text-format.ts';

/** What the chat knows of the sender, loaded from its connection id (never from the payload). */
export interface Sender {
  connectionId: string;
  nickname: string | null;
  ignoring: boolean;
}

/** A logged-in connection as a broadcast sees it: where to post, and what it wants. */
export interface RoomRecipient {
  connectionId: string;
  ignoring: boolean;
  /** How it wants its events: a broadcast is serialised once per format among its recipients. */
  format: EventFormat;
}

/** A logged-in connection of a room, with its name (`/ls`). */
export interface Member extends RoomRecipient {
  nickname: string;
}

/** A logged-in connection: it has a nickname and is in a room (a login sets both at once). */
export type LoggedIn<T extends { nickname: string | null; room: string | null }> = T & { nickname: string; room: string };

export function isLoggedIn<T extends { nickname: string | null; room: string | null }>(sender: T): sender is LoggedIn<T> {
  return sender.nickname !== null && sender.room !== null;
}

/** What a connection may send before it has logged in. */
export type GuestCommand = Extract<ChatCommand, { kind: 'nick' | 'help' | 'whoami' | 'resume' }>;
/** What only a logged-in connection may send. */
export type MemberCommand = Exclude<ChatCommand, GuestCommand>;
const ALLOWED_BEFORE_LOGIN: ReadonlySet<CommandKind> = new Set<GuestCommand['kind']>(['nick', 'help', 'whoami', 'resume']);

export function isGuestCommand(command: ChatCommand): command is GuestCommand {
  return ALLOWED_BEFORE_LOGIN.has(command.kind);
}

export const NOT_LOGGED_IN: ChatError = chatError('NOT_LOGGED_IN', 'Log in first: /nick NAME');

/** The error that forbids this command for this sender, or null when it may go ahead. */
export function accessError(command: ChatCommand, sender: Sender): ChatError | null {
  if (sender.nickname === null && !isGuestCommand(command)) return NOT_LOGGED_IN;
  if (command.kind === 'broadcast' && sender.ignoring) {
    return chatError('IGNORING', 'You are ignoring broadcasts, so you cannot send one. Type /i to stop ignoring.');
  }
  if (command.kind === 'history' && sender.ignoring) {
    return chatError('IGNORING', 'You are ignoring broadcasts, so their history is hidden too. Type /i to stop ignoring.');
  }
  return null;
}

/** Chat messages reach every logged-in member who is not ignoring broadcasts (the sender included). */
export function isMessageRecipient(member: Pick<RoomRecipient, 'ignoring'>): boolean {
  return !member.ignoring;
}

/** System announcements (joins, renames, leaves) reach every logged-in member, ignoring ones too. */
export function isSystemRecipient(_member: Pick<RoomRecipient, 'ignoring'>): boolean {
  return true;
}

export type Audience = 'message' | 'system';

export function recipientFilter(audience: Audience): (member: Pick<RoomRecipient, 'ignoring'>) => boolean {
  return audience === 'message' ? isMessageRecipient : isSystemRecipient;
}

/** Whether the sender has used up its frames for the current rate window (`limit` 0 = no limit). */
export function isRateLimited(framesInWindow: number, limit: number): boolean {
  return limit > 0 && framesInWindow > limit;
}

export const announcements = {
  joined: (nickname: string) => `${nickname} joined`,
  renamed: (from: string, to: string) => `${from} is now ${to}`,
  left: (nickname: string) => `${nickname} left`,
  online: (count: number) => (count === 1 ? '1 user online' : `${count} users online`),
};
