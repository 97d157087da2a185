// STS GetCallerIdentity through the real JS SDK: default account, account taken from a
// 12-digit access key, and signature checking for the known key `test`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startServer, REGION } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function sts(accessKeyId, secretAccessKey) {
  return new STSClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: { accessKeyId, secretAccessKey } });
}

test('test/test is the root of the default account 000000000000', async () => {
  const out = await sts('test', 'test').send(new GetCallerIdentityCommand({}));
  assert.equal(out.$metadata.httpStatusCode, 200);
  assert.equal(out.Account, '000000000000');
  assert.equal(out.Arn, 'arn:aws:iam::000000000000:root');
  assert.ok(out.UserId, 'UserId is set');
});

test('a 12-digit access key selects that account', async () => {
  const out = await sts('111111111111', 'anything-at-all').send(new GetCallerIdentityCommand({}));
  assert.equal(out.Account, '111111111111');
  assert.equal(out.Arn, 'arn:aws:iam::111111111111:root');
});

test('a wrong secret for key test is SignatureDoesNotMatch (403)', async () => {
  await assert.rejects(sts('test', 'not-the-secret').send(new GetCallerIdentityCommand({})), (err) => {
    assert.equal(err.name, 'SignatureDoesNotMatch');
    assert.equal(err.$metadata?.httpStatusCode, 403);
    return true;
  });
});
