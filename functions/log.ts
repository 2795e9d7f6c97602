// Structured JSON logs via Powertools: Lambda context fields, sampling and levels for free.
// Level from POWERTOOLS_LOG_LEVEL (or LOG_LEVEL); tests set SILENT.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';

type Extra = Record<string, unknown>;

export interface Logger {
  debug(message: string, extra?: Extra): void;
  info(message: string, extra?: Extra): void;
  warn(message: string, extra?: Extra): void;
  error(message: string, extra?: Extra): void;
}

type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | 'CRITICAL' | 'TRACE';

/** The level the handlers log at, as Powertools reads it. */
export function configuredLogLevel(env: Readonly<Record<string, string | undefined>> = process.env): LogLevel {
  return (env.POWERTOOLS_LOG_LEVEL ?? env.LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
}

export function createLogger(): Logger {
  const logger = new PowertoolsLogger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'wschat',
    logLevel: configuredLogLevel(),
  });
  // Powertools types its extra arguments as log attributes; ours are plain records of the same shape.
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Extra): void =>
      extra ? logger[level](message, extra as LogAttributes) : logger[level](message);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
