// Tab completion for `npm run chat`: commands at the start of a line, nicknames anywhere (and after `@`).
// Pure: the roster learns names from events, `complete` is readline's completer without readline.
import type { ServerEvent } from '../../functions/core/events.ts';

/** What the server understands, and /quit, which this client handles itself. */
export const COMMANDS = ['/nick', '/ls', '/who', '/join', '/leave', '/rooms', '/history', '/help', '/i', '/whoami', '/quit'] as const;

// Names never contain spaces (nickname.ts), so the announcements parse unambiguously.
const JOINED = /^(\S+) joined$/u;
const LEFT = /^(\S+) left$/u;
const RENAMED = /^(\S+) is now (\S+)$/u;

/** The nicknames of the current room, as far as this client has been told. */
export class Roster {
  private readonly names = new Set<string>();

  /** Learns from the latest `/ls` and from join, leave and rename announcements; a room change starts over. */
  update(event: ServerEvent): void {
    switch (event.type) {
      case 'users':
        this.names.clear();
        for (const name of event.users) this.names.add(name);
        return;
      case 'room':
        // Another room's people: the old ones no longer hear what is said here.
        this.names.clear();
        return;
      case 'system': {
        const joined = JOINED.exec(event.text);
        const left = LEFT.exec(event.text);
        const renamed = RENAMED.exec(event.text);
        if (joined?.[1]) this.names.add(joined[1]);
        else if (left?.[1]) this.names.delete(left[1]);
        else if (renamed?.[1] && renamed[2]) {
          this.names.delete(renamed[1]);
          this.names.add(renamed[2]);
        }
        return;
      }
      default:
        return;
    }
  }

  list(): string[] {
    return [...this.names].sort();
  }
}

/** readline's completer: the candidates for the word before the cursor, and that word. */
export function complete(line: string, nicknames: readonly string[]): [string[], string] {
  const word = /\S*$/u.exec(line)?.[0] ?? '';
  const atStart = word.length === line.length;
  if (atStart && word.startsWith('/')) {
    const hits = COMMANDS.filter((command) => command.startsWith(word));
    return [hits.length === 1 ? hits.map((hit) => `${hit} `) : hits, word];
  }
  // `@name` is a private message: complete the name and keep the `@`.
  const at = atStart && word.startsWith('@') ? '@' : '';
  const prefix = word.slice(at.length).toLowerCase();
  const hits = nicknames.filter((name) => name.toLowerCase().startsWith(prefix)).map((name) => `${at}${name}`);
  return [hits.length === 1 ? hits.map((hit) => `${hit} `) : hits, word];
}
