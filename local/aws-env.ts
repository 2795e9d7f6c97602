// The region and credentials for running locally, in one place: the embedded emulator, DynamoDB Local
// and the local gateway check only that a SigV4 header is present, so any credentials and region do.
// No imports, so that vitest.config.ts can read it too.

export const LOCAL_REGION = 'local';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The variables the AWS SDK reads its region and credentials from, as local runs set them. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
} as const;

/**
 * Sets whichever of LOCAL_AWS_ENV's variables `env` lacks (a region or credentials already set stay), so
 * the handlers' SDK clients, which read the environment as on Lambda, can sign their local requests.
 */
export function withLocalAwsEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  for (const [name, value] of Object.entries(LOCAL_AWS_ENV)) env[name] ??= value;
  return env;
}
