// Sign-in in the template, per `-c connectAuth=` mode: the REQUEST authorizer on $connect only (with the
// query-string identity source), its function's settings, the shared-token secret granted read-only to
// the authorizer alone, Cognito's pool and client, and never a secret value in the template or in any
// Lambda's environment. (test/infra-nag.test.ts runs cdk-nag over each mode; test/infra-permissions.test.ts
// checks the authorizer's grant against what it calls.)
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { testApp } from '../infra/testing.ts';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const ISSUER = 'https://issuer.example/tenant';
const EXISTING_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wschat-token-AbCdEf';
/** Values a careless stack could copy from the deploying shell into the template. */
const HOST_SECRETS = { CONNECT_TOKEN: 'host-shared-token-7b1f', CONNECT_JWT_SECRET: 'host-jwt-key-0c9e', WSCHAT_CONNECT_TOKEN: 'host-shared-token-7b1f' };

function synth(context: Record<string, string>): Record<string, Resource> {
  const template = Template.fromStack(testApp({ context, env: HOST_SECRETS }).stack);
  return (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
}

const ofType = (resources: Record<string, Resource>, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const routes = (resources: Record<string, Resource>) =>
  Object.fromEntries(ofType(resources, 'AWS::ApiGatewayV2::Route').map(([, r]) => [String(r.Properties?.['RouteKey']), r.Properties ?? {}]));
const environments = (resources: Record<string, Resource>) =>
  Object.fromEntries(
    ofType(resources, 'AWS::Lambda::Function').map(([id, r]) => [id, ((r.Properties?.['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})]),
  );
const authorizerEnvironment = (resources: Record<string, Resource>) => {
  const found = Object.entries(environments(resources)).filter(([id]) => id.startsWith('SignInFunction'));
  expect(found).toHaveLength(1);
  return found[0]![1];
};
/** Every IAM statement, by the role it is attached to. */
function statementsByRole(resources: Record<string, Resource>): Array<[string, Statement]> {
  return ofType(resources, 'AWS::IAM::Policy').flatMap(([, policy]) => {
    const roles = JSON.stringify(policy.Properties?.['Roles']);
    return (policy.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement.map((s): [string, Statement] => [roles, s]);
  });
}
const mentionsSecrets = (s: Statement) => JSON.stringify(s.Action).includes('secretsmanager');

function expectNoSecretValues(resources: Record<string, Resource>): void {
  const text = JSON.stringify(resources);
  for (const value of Object.values(HOST_SECRETS)) expect(text).not.toContain(value);
  expect(text).not.toMatch(/"SecretString"/); // a value; GenerateSecretString is only the recipe
  for (const [id, variables] of Object.entries(environments(resources))) {
    expect(Object.keys(variables), id).not.toContain('CONNECT_TOKEN');
    expect(Object.keys(variables), id).not.toContain('CONNECT_JWT_SECRET');
  }
}

function expectAuthorizerOnConnectOnly(resources: Record<string, Resource>): void {
  const authorizers = ofType(resources, 'AWS::ApiGatewayV2::Authorizer');
  expect(authorizers).toHaveLength(1);
  const [authorizerId, authorizer] = authorizers[0]!;
  expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
  expect(JSON.stringify(authorizer.Properties?.['AuthorizerUri'])).toContain('SignInFunctionHandler');
  const byKey = routes(resources);
  expect(byKey['$connect']).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
  for (const key of ['$disconnect', 'message', '$default']) {
    expect(byKey[key]?.['AuthorizationType'], key).toBe('NONE');
    expect(byKey[key]?.['AuthorizerId'], key).toBeUndefined();
  }
  // API Gateway may invoke the authorizer, through this authorizer only.
  const permissions = ofType(resources, 'AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties?.['FunctionName']).includes('SignInFunctionHandler'));
  expect(permissions).toHaveLength(1);
  expect(JSON.stringify(permissions[0]![1].Properties?.['SourceArn'])).toContain(`/authorizers/`);
}

describe('sign-in in the template', () => {
  it('connectAuth=none (default): no authorizer, no secret, every route open', () => {
    const resources = synth({});
    expect(ofType(resources, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    expect(ofType(resources, 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(ofType(resources, 'AWS::Cognito::UserPool')).toEqual([]);
    expect(Object.values(routes(resources)).map((r) => r['AuthorizationType'])).toEqual(['NONE', 'NONE', 'NONE', 'NONE']);
    expect(statementsByRole(resources).filter(([, s]) => mentionsSecrets(s))).toEqual([]);
    expectNoSecretValues(resources);
  });

  it('connectAuth=jwt: the authorizer with the issuer, audience and JWKS URL, and no AWS grants but its logs', () => {
    const resources = synth({ connectAuth: 'jwt', jwtIssuer: ISSUER, jwtAudience: 'chat-app', jwksUrl: `${ISSUER}/keys`, jwtNameClaim: 'email' });
    expectAuthorizerOnConnectOnly(resources);
    expect(authorizerEnvironment(resources)).toMatchObject({ CONNECT_AUTH: 'jwt', JWT_ISSUER: ISSUER, JWT_AUDIENCE: 'chat-app', JWKS_URL: `${ISSUER}/keys`, JWT_NAME_CLAIM: 'email' });
    // It reads no table and calls back no connection: it is not told where they are.
    expect(Object.keys(authorizerEnvironment(resources))).not.toContain('TABLE_NAME');
    const own = statementsByRole(resources).filter(([roles]) => roles.includes('SignInFunctionRole'));
    expect(own.flatMap(([, s]) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(ofType(resources, 'AWS::SecretsManager::Secret')).toEqual([]);
    expectNoSecretValues(resources);
  });

  it('connectAuth=token: a generated secret, its ARN (never its value) to the authorizer, read-only and to it alone', () => {
    const resources = synth({ connectAuth: 'token' });
    expectAuthorizerOnConnectOnly(resources);
    const secrets = ofType(resources, 'AWS::SecretsManager::Secret');
    expect(secrets).toHaveLength(1);
    const [secretId, secret] = secrets[0]!;
    expect(secret.Properties?.['GenerateSecretString']).toMatchObject({ PasswordLength: 40, ExcludePunctuation: true });
    expect(authorizerEnvironment(resources)).toMatchObject({ CONNECT_AUTH: 'token', CONNECT_TOKEN_SECRET_ARN: { Ref: secretId } });

    const grants = statementsByRole(resources).filter(([, s]) => JSON.stringify(s).includes(secretId) || mentionsSecrets(s));
    expect(grants).toHaveLength(1);
    const [roles, statement] = grants[0]!;
    expect(roles).toContain('SignInFunctionRole');
    expect(statement).toEqual({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } });
    expectNoSecretValues(resources);
  });

  it('connectAuth=token with connectTokenSecretArn: the existing secret, granted by its ARN; none created', () => {
    const resources = synth({ connectAuth: 'token', connectTokenSecretArn: EXISTING_ARN });
    expectAuthorizerOnConnectOnly(resources);
    expect(ofType(resources, 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(authorizerEnvironment(resources)).toMatchObject({ CONNECT_AUTH: 'token', CONNECT_TOKEN_SECRET_ARN: EXISTING_ARN });
    const grants = statementsByRole(resources).filter(([, s]) => mentionsSecrets(s));
    expect(grants.map(([roles, s]) => [roles.includes('SignInFunctionRole'), s])).toEqual([[true, { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: EXISTING_ARN }]]);
    expectNoSecretValues(resources);
  });

  it('connectAuth=cognito: a user pool and an app client whose ID tokens the authorizer checks', () => {
    const resources = synth({ connectAuth: 'cognito' });
    expectAuthorizerOnConnectOnly(resources);
    const [poolId, pool] = ofType(resources, 'AWS::Cognito::UserPool')[0]!;
    expect(pool.Properties).toMatchObject({ AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, MfaConfiguration: 'OPTIONAL' });
    const [clientId, client] = ofType(resources, 'AWS::Cognito::UserPoolClient')[0]!;
    expect(client.Properties).toMatchObject({ UserPoolId: { Ref: poolId }, ExplicitAuthFlows: expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']) });
    expect(client.Properties?.['GenerateSecret']).toBe(false);
    expect(authorizerEnvironment(resources)).toMatchObject({
      CONNECT_AUTH: 'jwt',
      JWT_ISSUER: { 'Fn::GetAtt': [poolId, 'ProviderURL'] },
      JWT_AUDIENCE: { Ref: clientId },
      JWT_NAME_CLAIM: 'cognito:username',
    });
    expectNoSecretValues(resources);
  });

  it.each([
    [{ connectAuth: 'oauth' }, /"none", "jwt", "token", "cognito"/],
    [{ connectAuth: 'jwt', jwtAudience: 'a' }, /connectAuth=jwt needs -c jwtIssuer/],
    [{ connectAuth: 'jwt', jwtIssuer: ISSUER }, /connectAuth=jwt needs -c jwtAudience/],
    [{ connectAuth: 'jwt', jwtIssuer: 'http://issuer.example', jwtAudience: 'a' }, /an https URL/],
    [{ jwtIssuer: ISSUER }, /jwtIssuer applies only with connectAuth=jwt/],
    [{ connectAuth: 'cognito', jwtAudience: 'a' }, /jwtAudience applies only with connectAuth=jwt/],
    [{ connectAuth: 'jwt', jwtIssuer: ISSUER, jwtAudience: 'a', connectTokenSecretArn: EXISTING_ARN }, /connectTokenSecretArn applies only with connectAuth=token/],
    [{ connectAuth: 'token', connectTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wschat-token' }, /complete ARN/],
  ])('refuses %o at synth, naming the option', (context, message) => {
    const values = new Map(Object.entries(context));
    expect(() => loadConfig((key) => values.get(key), {})).toThrow(message);
  });
});
