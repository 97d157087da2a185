// IAM and STS credentials through the real JS SDK v3: a user and access key created through IAM
// sign later requests at once, inactive keys are refused, roles are assumed with their trust policy,
// and policy documents come back decoded from IAM's URL encoding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient, CreateUserCommand, CreateAccessKeyCommand, UpdateAccessKeyCommand, CreateRoleCommand, GetRoleCommand,
  CreatePolicyCommand, GetPolicyVersionCommand, GetUserCommand,
} from '@aws-sdk/client-iam';
import { STSClient, GetCallerIdentityCommand, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startServer, REGION, CREDENTIALS } from './lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const iam = () => new IAMClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: CREDENTIALS });
const sts = (credentials) => new STSClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials });

test('a created access key signs as its user; an inactive one is refused', async () => {
  const user = (await iam().send(new CreateUserCommand({ UserName: 'js-user', Path: '/js/' }))).User;
  assert.match(user.UserId, /^AIDA[A-Z2-7]{17}$/);
  assert.equal(user.Arn, 'arn:aws:iam::000000000000:user/js/js-user');
  const key = (await iam().send(new CreateAccessKeyCommand({ UserName: 'js-user' }))).AccessKey;
  assert.match(key.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
  const credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const identity = await sts(credentials).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, user.Arn);
  assert.equal(identity.UserId, user.UserId);
  const self = await new IAMClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials }).send(new GetUserCommand({}));
  assert.equal(self.User.UserName, 'js-user');

  await iam().send(new UpdateAccessKeyCommand({ UserName: 'js-user', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
  await assert.rejects(sts(credentials).send(new GetCallerIdentityCommand({})), (err) => {
    assert.equal(err.name, 'InvalidClientTokenId');
    assert.equal(err.message, 'The security token included in the request is invalid.');
    assert.equal(err.$metadata.httpStatusCode, 403);
    return true;
  });
});

test('AssumeRole: trusted callers get session credentials, others AccessDenied', async () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '000000000000' }, Action: 'sts:AssumeRole' }] };
  const role = (await iam().send(new CreateRoleCommand({ RoleName: 'js-role', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role;
  assert.match(role.RoleId, /^AROA[A-Z2-7]{17}$/);
  const got = (await iam().send(new GetRoleCommand({ RoleName: 'js-role' }))).Role;
  assert.deepEqual(JSON.parse(decodeURIComponent(got.AssumeRolePolicyDocument)), trust);

  const out = await sts(CREDENTIALS).send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'js-session' }));
  assert.match(out.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
  assert.ok(out.Credentials.Expiration instanceof Date);
  const identity = await sts({
    accessKeyId: out.Credentials.AccessKeyId, secretAccessKey: out.Credentials.SecretAccessKey, sessionToken: out.Credentials.SessionToken,
  }).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, 'arn:aws:sts::000000000000:assumed-role/js-role/js-session');
  assert.equal(identity.UserId, `${role.RoleId}:js-session`);

  const locked = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  const ec2Role = (await iam().send(new CreateRoleCommand({ RoleName: 'js-ec2-role', AssumeRolePolicyDocument: JSON.stringify(locked) }))).Role;
  await assert.rejects(sts(CREDENTIALS).send(new AssumeRoleCommand({ RoleArn: ec2Role.Arn, RoleSessionName: 'nope' })), (err) => {
    assert.equal(err.name, 'AccessDenied');
    assert.equal(err.message, `User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: ${ec2Role.Arn}`);
    assert.equal(err.$metadata.httpStatusCode, 403);
    return true;
  });
});

test('managed policy documents round-trip and malformed ones are rejected', async () => {
  const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::bucket/*' }] };
  const policy = (await iam().send(new CreatePolicyCommand({ PolicyName: 'js-policy', PolicyDocument: JSON.stringify(document) }))).Policy;
  assert.match(policy.PolicyId, /^ANPA[A-Z2-7]{17}$/);
  const version = (await iam().send(new GetPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v1' }))).PolicyVersion;
  assert.deepEqual(JSON.parse(decodeURIComponent(version.Document)), document);
  assert.equal(version.IsDefaultVersion, true);
  await assert.rejects(iam().send(new CreatePolicyCommand({ PolicyName: 'js-bad', PolicyDocument: '{"Version":"2012-10-17"' })), (err) => {
    assert.equal(err.name, 'MalformedPolicyDocumentException');
    assert.equal(err.message, 'Syntax errors in policy.');
    assert.equal(err.$metadata.httpStatusCode, 400);
    return true;
  });
});
