// The stage's default route throttling, written once: its CDK context keys, environment variables,
// defaults and API Gateway's ranges. The stack deploys it (infra/config.ts); `npm start` emulates it with
// THROTTLE=true (local/start.ts), reading the same variables, so local runs throttle as the stack does.
// No CDK import: npm start loads this.

export const STAGE_THROTTLE_OPTIONS = {
  // Ceilings are API Gateway's default account quotas (burst 5,000, 10,000 requests/s).
  burstLimit: { context: 'throttleBurst', env: 'WSCHAT_THROTTLE_BURST', default: 100, min: 0, max: 5000, integer: true },
  rateLimit: { context: 'throttleRate', env: 'WSCHAT_THROTTLE_RATE', default: 50, min: 0, max: 10000, integer: false },
} as const;

/** A throttling setting that is not one the stack accepts. */
export class StageThrottleError extends Error {
  override name = 'StageThrottleError';
}

export interface StageThrottle {
  /** Tokens a route's bucket holds: requests that may come at once. */
  burstLimit: number;
  /** Tokens added per second: the steady rate. */
  rateLimit: number;
}

/** The values the stack would deploy without CDK context: each variable if set, else its default. */
export function stageThrottleFromEnv(env: Record<string, string | undefined>): StageThrottle {
  const read = (name: keyof typeof STAGE_THROTTLE_OPTIONS): number => {
    const option = STAGE_THROTTLE_OPTIONS[name];
    const raw = env[option.env];
    if (raw === undefined || raw === '') return option.default;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < option.min || value > option.max || (option.integer && !Number.isInteger(value))) {
      throw new StageThrottleError(`env ${option.env}: ${JSON.stringify(raw)} is not ${option.integer ? 'an integer' : 'a number'} in [${option.min}, ${option.max}]`);
    }
    return value;
  };
  return { burstLimit: read('burstLimit'), rateLimit: read('rateLimit') };
}
