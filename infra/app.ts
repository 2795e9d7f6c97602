// CDK entry (cdk.json runs it with tsx): `npm run synth`, `npm run deploy`, `npm run destroy`.
import { App } from 'aws-cdk-lib';
import { addChatStack } from './chat-app.ts';

addChatStack(new App());
