// Counting a frame against its connection's rate window, in the same request that reads the sender.
// A fixed window of `windowMs`, opened by the first frame after the previous window ended, counted on
// the connection item (so it holds across Lambda containers). Two conditional updates: one more frame
// in the open window, or a new window; this container's last sight of each window picks which to try.
import { connectionKey } from './keys.ts';
import { toConnection } from './connections.ts';
import { updateItem, type StoreRequests } from './requests.ts';
import type { ChatStore } from './types.ts';

/** Window starts remembered per container: a hint only, so a bounded map (a lost hint costs one retry). */
const MAX_WINDOW_HINTS = 10_000;

export function rateWindow(
  { TableName, conditional }: StoreRequests,
  getConnection: ChatStore['getConnection'],
): Pick<ChatStore, 'countFrame'> {
  const windowStarts = new Map<string, number>();
  const rememberWindow = (connectionId: string, start: number): void => {
    if (windowStarts.size >= MAX_WINDOW_HINTS) windowStarts.clear();
    windowStarts.set(connectionId, start);
  };

  return {
    async countFrame(connectionId, messageId, now, windowMs) {
      const notRepeated = '(attribute_not_exists(lastMessageId) OR lastMessageId <> :mid)';
      const values = { ':one': 1, ':mid': messageId, ':since': now - windowMs };
      const attempts = [
        // The usual case: one more frame in the current window.
        {
          UpdateExpression: 'ADD frames :one, frameSeq :one SET lastMessageId = :mid',
          ConditionExpression: `windowStart > :since AND ${notRepeated}`,
          ExpressionAttributeValues: values,
        },
        // The first frame of a new window (or of the connection): the window starts now.
        {
          UpdateExpression: 'SET windowStart = :now, frames = :one, lastMessageId = :mid ADD frameSeq :one',
          ConditionExpression: `attribute_exists(connectionId) AND (attribute_not_exists(windowStart) OR windowStart <= :since) AND ${notRepeated}`,
          ExpressionAttributeValues: { ...values, ':now': now },
        },
      ];
      // Try first what this container last saw for the connection: a frame after a quiet spell opens a
      // new window, and guessing "same window" would cost a failed write (a write unit and a round trip).
      const knownStart = windowStarts.get(connectionId);
      if (knownStart === undefined || knownStart <= now - windowMs) attempts.reverse();
      // A concurrent frame may open the window between the two attempts: go round once more.
      for (let round = 0; round < 2; round += 1) {
        for (const attempt of attempts) {
          const output = await conditional(updateItem({ TableName, Key: connectionKey(connectionId), ...attempt, ReturnValues: 'ALL_NEW' }));
          if (output?.Attributes) {
            const windowStart = Number(output.Attributes.windowStart);
            rememberWindow(connectionId, windowStart);
            return { status: 'counted', connection: toConnection(output.Attributes), framesInWindow: Number(output.Attributes.frames), windowStart };
          }
        }
        const current = await getConnection(connectionId);
        if (!current) return { status: 'missing' };
        if (current.lastMessageId === messageId) return { status: 'duplicate' };
        if (round === 1) return { status: 'contended', connection: current }; // other frames kept winning
      }
      return { status: 'missing' };
    },
  };
}
