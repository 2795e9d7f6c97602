// Lambda entry for the `$connect` REQUEST authorizer (CONNECT_AUTH=jwt or token): Allow or Deny on the
// method ARN, with the caller's `sub` and `name` as the context every route then sees.
import { containerAuthorizer } from '../authorizer-container.ts';
import type { AuthorizerEvent, AuthorizerResult } from '../authorizer.ts';

export const handler = (event: AuthorizerEvent): Promise<AuthorizerResult> => containerAuthorizer()(event);
