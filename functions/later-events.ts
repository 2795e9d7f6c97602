// What the deferred-work consumer does with an SQS event: each record's body is a task
// (chat/later.ts), run through the fan-out of the endpoint it names. A task that fails is reported
// alone (`batchItemFailures`), so SQS redelivers only that one (and, after the queue's
// maxReceiveCount, moves it to the dead-letter queue); a body that is no task is dropped, logged.
// functions/handlers/later.ts wires it to the container; the local timers call it with the same shape.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseLaterTask, type LaterTask } from './chat/later.ts';
import type { Fanout } from './fanout.ts';
import type { Logger } from './log.ts';

export interface LaterRunner {
  runLater(fanout: Fanout, task: LaterTask): Promise<void>;
  fanoutAt(endpoint: string): Fanout;
}

export async function consumeLaterEvent(runner: LaterRunner, log: Logger, event: SQSEvent): Promise<SQSBatchResponse> {
  const outcomes = await Promise.allSettled(
    event.Records.map(async (record) => {
      const task = parseLaterTask(record.body);
      if (!task) {
        log.error('a deferred-work message is not a task; dropped', { messageId: record.messageId });
        return;
      }
      await runner.runLater(runner.fanoutAt(task.endpoint), task);
    }),
  );
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  outcomes.forEach((outcome, index) => {
    const record = event.Records[index];
    if (outcome.status === 'rejected' && record) {
      log.warn('a deferred task failed; it will be retried', { messageId: record.messageId, error: String(outcome.reason) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  });
  return { batchItemFailures };
}
