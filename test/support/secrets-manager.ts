// A stand-in for Secrets Manager's GetSecretValue on loopback (the JSON protocol the real SDK client
// speaks), for the shared-token authorizer: it serves one secret, counts the reads, and can be made to
// fail. No emulator of Secrets Manager runs without Docker; this is the one call the authorizer makes.
import { createServer, type Server } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { closeNow, listenOnLoopback } from '../../local/listening.ts';

export class SecretsManagerStandIn {
  /** GetSecretValue calls answered so far (failures included). */
  reads = 0;
  /** Answer 500 (InternalServiceError) while true. */
  failing = false;
  /** Every X-Amz-Target seen, to check the authorizer calls nothing else. */
  readonly targets = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    readonly arn: string,
    public secretString: string,
  ) {}

  static async start(arn: string, secretString: string): Promise<SecretsManagerStandIn> {
    const holder: { standIn?: SecretsManagerStandIn } = {};
    const server = createServer((req, res) => {
      void buffer(req).then((received) => {
        const self = holder.standIn;
        const target = String(req.headers['x-amz-target'] ?? '');
        self?.targets.add(target);
        const json = (status: number, body: object) => {
          res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(body));
        };
        if (!self || target !== 'secretsmanager.GetSecretValue') return json(400, { __type: 'UnknownOperationException' });
        self.reads += 1;
        if (self.failing) return json(500, { __type: 'InternalServiceError', message: 'stand-in failure' });
        const { SecretId } = JSON.parse(received.toString() || '{}') as { SecretId?: string };
        if (SecretId !== self.arn) return json(400, { __type: 'ResourceNotFoundException', message: 'no such secret' });
        json(200, { ARN: self.arn, Name: 'wschat-connect-token', SecretString: self.secretString, VersionId: 'v1', CreatedDate: 0 });
      });
    });
    holder.standIn = new SecretsManagerStandIn(server, await listenOnLoopback(server), arn, secretString);
    return holder.standIn;
  }

  close(): Promise<void> {
    return closeNow(this.server);
  }
}
