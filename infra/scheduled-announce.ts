// A server-initiated push on a schedule: an EventBridge rule invokes a Lambda that posts "N users online"
// to every room through the same fan-out code as the routes. Off by default (the rule exists, disabled):
// `-c scheduledAnnounce=true` turns it on, `-c announceSchedule="rate(15 minutes)"` sets how often.
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ChatFunction, type ChatFunctionProps } from './chat-function.ts';
import { SCHEDULED_ANNOUNCE } from './handlers.ts';

export interface ScheduledAnnounceProps extends Omit<ChatFunctionProps, 'spec' | 'asyncRetryAttempts'> {
  /** An EventBridge schedule expression, e.g. `rate(1 hour)` (validated by config.ts). */
  schedule: string;
  enabled: boolean;
}

export class ScheduledAnnounce extends Construct {
  readonly function: ChatFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ScheduledAnnounceProps) {
    super(scope, id);
    const { schedule, enabled, ...functionProps } = props;
    // Lambda does not re-run a failed invocation: that would repeat the notice to everyone already reached,
    // and the next scheduled run comes soon enough. EventBridge may retry a delivery that failed (e.g. a
    // throttled invoke: nothing was sent yet), but only for 5 minutes, after which the count is stale.
    this.function = new ChatFunction(this, 'Function', { ...functionProps, spec: SCHEDULED_ANNOUNCE, asyncRetryAttempts: 0 });
    this.rule = new Rule(this, 'Schedule', {
      description: `wschat: "N users online" push, ${schedule}`,
      schedule: Schedule.expression(schedule),
      enabled,
      targets: [new LambdaFunction(this.function.fn, { maxEventAge: Duration.minutes(5) })],
    });
  }
}
