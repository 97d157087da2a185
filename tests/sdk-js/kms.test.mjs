// KMS through the real JS SDK v3: keys, aliases, envelope encryption with encryption context,
// signatures verified with node:crypto from the public key KMS hands out, HMAC, rotation, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  KMSClient, CreateKeyCommand, DescribeKeyCommand, CreateAliasCommand, EncryptCommand, DecryptCommand,
  GenerateDataKeyCommand, SignCommand, VerifyCommand, GetPublicKeyCommand, GenerateMacCommand, VerifyMacCommand,
  DisableKeyCommand, ScheduleKeyDeletionCommand, RotateKeyOnDemandCommand, ListAliasesCommand,
} from '@aws-sdk/client-kms';
import { startServer, REGION } from './lib/server.mjs';

let server;
let kms;
before(async () => {
  server = await startServer();
  kms = new KMSClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
after(async () => { await server?.stop(); });

const text = (s) => new TextEncoder().encode(s);

async function rejectsWith(promise, name, message) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

test('CreateKey and DescribeKey return AWS metadata; aliases resolve', async () => {
  const { KeyMetadata: md } = await kms.send(new CreateKeyCommand({ Description: 'js' }));
  assert.match(md.KeyId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(md.Arn, `arn:aws:kms:${REGION}:000000000000:key/${md.KeyId}`);
  assert.equal(md.KeyState, 'Enabled');
  assert.equal(md.KeyManager, 'CUSTOMER');
  assert.ok(md.CreationDate instanceof Date);
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/js-key', TargetKeyId: md.KeyId }));
  const described = await kms.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:${REGION}:000000000000:alias/js-key` }));
  assert.equal(described.KeyMetadata.KeyId, md.KeyId);
  const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: md.Arn }));
  assert.deepEqual(Aliases.map((a) => a.AliasName), ['alias/js-key']);
});

test('envelope encryption: data key, context bound as AAD, old ciphertexts decrypt after rotation', async () => {
  const { KeyMetadata: md } = await kms.send(new CreateKeyCommand({}));
  const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: md.KeyId, KeySpec: 'AES_256', EncryptionContext: { app: 'x' } }));
  assert.equal(dk.Plaintext.length, 32);
  const back = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { app: 'x' } }));
  assert.deepEqual(Buffer.from(back.Plaintext), Buffer.from(dk.Plaintext));
  await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { app: 'y' } })), 'InvalidCiphertextException');
  const enc = await kms.send(new EncryptCommand({ KeyId: md.Arn, Plaintext: text('before') }));
  await kms.send(new RotateKeyOnDemandCommand({ KeyId: md.KeyId }));
  const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
  assert.equal(new TextDecoder().decode(dec.Plaintext), 'before');
  assert.equal(dec.KeyId, md.Arn);
});

test('ECDSA and RSA-PSS signatures verify with node:crypto', async () => {
  for (const [KeySpec, SigningAlgorithm, options] of [
    ['ECC_NIST_P384', 'ECDSA_SHA_384', {}],
    ['RSA_2048', 'RSASSA_PSS_SHA_256', { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
  ]) {
    const { KeyMetadata: md } = await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage: 'SIGN_VERIFY' }));
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
    const key = crypto.createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' });
    const message = text('sign me');
    const { Signature } = await kms.send(new SignCommand({ KeyId: md.KeyId, Message: message, SigningAlgorithm }));
    const hash = SigningAlgorithm.endsWith('384') ? 'sha384' : 'sha256';
    assert.equal(crypto.verify(hash, message, { key, ...options }, Buffer.from(Signature)), true, KeySpec);
    const ok = await kms.send(new VerifyCommand({ KeyId: md.KeyId, Message: message, Signature, SigningAlgorithm }));
    assert.equal(ok.SignatureValid, true);
    await rejectsWith(kms.send(new VerifyCommand({ KeyId: md.KeyId, Message: text('other'), Signature, SigningAlgorithm })), 'KMSInvalidSignatureException');
  }
});

test('HMAC keys: GenerateMac / VerifyMac', async () => {
  const { KeyMetadata: md } = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  assert.deepEqual(md.MacAlgorithms, ['HMAC_SHA_256']);
  const { Mac } = await kms.send(new GenerateMacCommand({ KeyId: md.KeyId, Message: text('m'), MacAlgorithm: 'HMAC_SHA_256' }));
  assert.equal(Mac.length, 32);
  const ok = await kms.send(new VerifyMacCommand({ KeyId: md.KeyId, Message: text('m'), Mac, MacAlgorithm: 'HMAC_SHA_256' }));
  assert.equal(ok.MacValid, true);
  await rejectsWith(kms.send(new VerifyMacCommand({ KeyId: md.KeyId, Message: text('n'), Mac, MacAlgorithm: 'HMAC_SHA_256' })), 'KMSInvalidMacException');
});

test('disabled and pending-deletion keys fail with AWS errors', async () => {
  const { KeyMetadata: md } = await kms.send(new CreateKeyCommand({}));
  await kms.send(new DisableKeyCommand({ KeyId: md.KeyId }));
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: text('x') })), 'DisabledException', `${md.Arn} is disabled.`);
  const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: md.KeyId, PendingWindowInDays: 7 }));
  assert.equal(scheduled.KeyState, 'PendingDeletion');
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: md.KeyId, Plaintext: text('x') })), 'KMSInvalidStateException', `${md.Arn} is pending deletion.`);
  await rejectsWith(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' })), 'NotFoundException',
    `Key 'arn:aws:kms:${REGION}:000000000000:key/00000000-0000-0000-0000-000000000000' does not exist`);
});
