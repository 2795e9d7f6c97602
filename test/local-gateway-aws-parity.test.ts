// Small behaviours matched to AWS: a plain HTTP GET on the WebSocket URL answers 426 Upgrade Required,
// and @connections answers a malformed connection id with 400 BadRequestException (410 stays for a
// well-formed id that is not connected).
import {
  ApiGatewayManagementApiServiceException,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import { httpStatusOf } from '../functions/aws-errors.ts';
import { awsStyleId, isConnectionIdShape } from '../local/gateway/ids.ts';
import { managementClient, onlyConnectionId, openClient, rawRequest, startTestGateway } from './support/gateway.ts';
import { rejectionOf } from './support/outcomes.ts';

describe('a plain HTTP GET on the WebSocket URL', () => {
  it('answers 426 Upgrade Required at / and /{stage}, with the Upgrade header', async () => {
    const gateway = await startTestGateway({ routes: {} });
    for (const path of ['/', '/local', '/local/', '/?nickname=alice']) {
      const response = await rawRequest(gateway, 'GET', path);
      expect({ path, status: response.status, upgrade: response.headers.upgrade, body: response.body }).toEqual({
        path,
        status: 426,
        upgrade: 'websocket',
        body: '{"message":"Upgrade Required"}',
      });
    }
    const head = await rawRequest(gateway, 'HEAD', '/');
    expect({ status: head.status, body: head.body }).toEqual({ status: 426, body: '' });
    // Other paths and methods are still the management API's 403.
    expect((await rawRequest(gateway, 'GET', '/elsewhere')).status).toBe(403);
    expect((await rawRequest(gateway, 'POST', '/')).status).toBe(403);
    await openClient(gateway.url); // the upgrade itself is unaffected
  });
});

describe('@connections with a malformed connection id', () => {
  const malformed = ['nobody', 'R1kmxc2VNjMCFIA', 'R1kmxc2VNjMCFIA==', 'R1kmxc2V.NjMCFIA', 'R1kmxc2V+jMCFIA=', 'R1kmxc2V/jMCFIA=', 'é'.repeat(16)];

  it('answers 400 BadRequestException on POST, GET and DELETE, like the other errors', async () => {
    const gateway = await startTestGateway({ routes: {} });
    for (const id of malformed) {
      for (const method of ['POST', 'GET', 'DELETE']) {
        const response = await rawRequest(gateway, method, `/local/@connections/${encodeURIComponent(id)}`, method === 'POST' ? 'x' : undefined);
        expect({ id, method, status: response.status, type: response.headers['x-amzn-errortype'], body: JSON.parse(response.body) as unknown }).toEqual({
          id,
          method,
          status: 400,
          type: 'BadRequestException',
          body: { message: `Invalid connectionId: ${id}` },
        });
        expect(response.headers['x-amzn-requestid']).toBeTruthy();
      }
    }
  });

  // The API model has no BadRequestException class, so SDK v3 raises its service exception named by
  // x-amzn-ErrorType, exactly as it does against AWS.
  it('raises a BadRequestException through the SDK; a well-formed unknown id is still GoneException', async () => {
    const gateway = await startTestGateway({ routes: {} });
    const api = managementClient(gateway.callbackUrl);
    const bad = await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: 'not-a-connection-id', Data: 'x' })));
    const badGet = await rejectionOf(api.send(new GetConnectionCommand({ ConnectionId: 'abc' })));
    const badDelete = await rejectionOf(api.send(new DeleteConnectionCommand({ ConnectionId: 'abc=' })));
    for (const error of [bad, badGet, badDelete]) {
      expect(error).toBeInstanceOf(ApiGatewayManagementApiServiceException);
      expect(error.name).toBe('BadRequestException');
      expect(httpStatusOf(error)).toBe(400);
    }
    expect(bad.message).toBe('Invalid connectionId: not-a-connection-id');
    expect(await rejectionOf(api.send(new PostToConnectionCommand({ ConnectionId: awsStyleId(), Data: 'x' })))).toBeInstanceOf(GoneException);
  });

  it('never refuses an id the gateway generates', async () => {
    for (let i = 0; i < 2000; i++) expect(isConnectionIdShape(awsStyleId())).toBe(true);
    const gateway = await startTestGateway({ routes: {} });
    const client = await openClient(gateway.url);
    const api = managementClient(gateway.callbackUrl);
    await api.send(new PostToConnectionCommand({ ConnectionId: onlyConnectionId(gateway), Data: 'still delivered' }));
    expect(await client.nextMessage()).toBe('still delivered');
  });
});
