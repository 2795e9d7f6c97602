// `npm run -s nickname-key -- NAME`: the DynamoDB key of the item that binds NAME (and every name that
// looks like it) to an account under NICKNAME_FROM_CLAIM, as `aws dynamodb delete-item --key` takes it.
// The item is keyed by the name's look-alike key, which is not the name (`mike` is `rnike`), so an
// administrator freeing a name asks this instead of guessing (docs/deploy.md, "Nicknames from the sign-in").
import { pathToFileURL } from 'node:url';
import { parseNickname } from '../functions/core/nickname.ts';
import { ownerKey } from '../functions/store/keys.ts';
import { PARTITION_KEY } from '../functions/table.ts';

/** `{"pk":{"S":"OWNER#…"}}` for a valid nickname, or why it is none. */
export function ownerItemKey(name: string): { ok: true; key: string } | { ok: false; error: string } {
  const parsed = parseNickname(name);
  if (!parsed.ok) return { ok: false, error: `${JSON.stringify(name)}: ${parsed.error.message}` };
  return { ok: true, key: JSON.stringify({ [PARTITION_KEY]: { S: ownerKey(parsed.key)[PARTITION_KEY] } }) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const names = process.argv.slice(2);
  if (names.length !== 1) {
    console.error('usage: npm run -s nickname-key -- NAME   (prints the --key of its OWNER# item for aws dynamodb delete-item)');
    process.exit(2);
  }
  const found = ownerItemKey(names[0] ?? '');
  if (!found.ok) {
    console.error(`nickname-key: ${found.error}`);
    process.exit(1);
  }
  console.log(found.key);
}
