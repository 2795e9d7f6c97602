// The deferred-work queue: handlers send a task with DelaySeconds = the resume grace (SendMessage only),
// and the consumer Lambda (LATER_CONSUMER in handlers.ts) runs it when the delay is over, reporting failed
// records alone. Encrypted at rest with SQS-managed keys (no KMS key to pay for or grant), TLS required;
// a task that fails 3 receives goes to the dead-letter queue and stays there 14 days to be looked at.
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LATER_CONSUMER } from './handlers.ts';

/** Receives before a task is moved to the dead-letter queue. */
export const MAX_RECEIVES = 3;

export class LaterQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const secure = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetters = new Queue(this, 'DeadLetters', { ...secure, retentionPeriod: Duration.days(14) });
    this.queue = new Queue(this, 'Tasks', {
      ...secure,
      // Lambda's guidance for an SQS source: at least 6× the function's timeout, so a slow batch is not redelivered meanwhile.
      visibilityTimeout: Duration.seconds(6 * LATER_CONSUMER.timeoutSeconds),
      // A leave still undelivered after a day would announce someone long gone.
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVES },
    });
  }

  /** The consumer's event source: batches of up to 10, failures reported per record. */
  consumeWith(fn: IFunction): void {
    fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
  }
}
