// Lambda entry for deferred work (an SQS delay queue, see functions/chat/later.ts): runs each task, reports the failed ones alone.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { consumeContainerLater, containerChat, withMetrics } from '../container.ts';

export const handler = withMetrics((event: SQSEvent): Promise<SQSBatchResponse> => consumeContainerLater(containerChat(), event));
