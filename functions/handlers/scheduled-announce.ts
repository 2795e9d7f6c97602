// Lambda entry for the scheduled push (an EventBridge rule, off by default): tells every room how
// many are online, through the same fan-out and 410 handling as chat messages.
import { announcements } from '../core/rules.ts';
import { containerChat, pushFanout, withMetrics } from '../container.ts';

export const handler = withMetrics(async (): Promise<{ rooms: string[]; online: number }> => {
  const chat = containerChat();
  const counts = await chat.roomCounts();
  const online = counts.reduce((sum, room) => sum + room.count, 0);
  const text = chat.settings.announceText ?? announcements.online(online);
  const rooms = await chat.push(pushFanout(chat), text, counts.map((counted) => counted.room));
  return { rooms, online };
});
