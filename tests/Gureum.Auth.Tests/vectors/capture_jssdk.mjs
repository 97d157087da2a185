// Run: npm install @aws-sdk/client-s3 (in a temp folder, with this file), then node capture_jssdk.mjs jssdk_vectors.json
// Captures a JS SDK v3 PutObject (aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER, crc32 trailer).
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { writeFileSync } from "node:fs";
const captured = [];
const handler = {
  async handle(request) {
    const chunks = [];
    const b = request.body;
    if (b && typeof b[Symbol.asyncIterator] === "function") { for await (const c of b) chunks.push(Buffer.from(c)); }
    else if (b) chunks.push(Buffer.from(b));
    captured.push({ request, body: Buffer.concat(chunks) });
    return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
  },
  updateHttpClientConfig() {}, httpHandlerConfigs() { return {}; },
};
const creds = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const payload = Buffer.alloc(100000, 0x61);
for (const [name, endpoint, body] of [["js-put-stream-http", "http://localhost:4566", Readable.from([payload])],
                                     ["js-put-buffer-https", "https://s3.us-east-1.amazonaws.com", payload]]) {
  const s3 = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: creds, requestHandler: handler });
  try { await s3.send(new PutObjectCommand({ Bucket: "bkt", Key: "js key.bin", Body: body, ContentLength: payload.length })); } catch (e) { }
  const { request, body: wire } = captured.at(-1);
  const headers = Object.entries(request.headers);
  if (!headers.some(([k]) => k.toLowerCase() === "host")) headers.push(["host", request.hostname + (request.port ? ":" + request.port : "")]);
  const amzDate = headers.find(([k]) => k.toLowerCase() === "x-amz-date")[1];
  const now = `${amzDate.slice(0,4)}-${amzDate.slice(4,6)}-${amzDate.slice(6,8)}T${amzDate.slice(9,11)}:${amzDate.slice(11,13)}:${amzDate.slice(13,15)}Z`;
  const q = Object.entries(request.query || {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v ?? "")}`).join("&");
  captured.at(-1).vector = { name, method: request.method, rawPath: request.path, rawQuery: q, headers, bodyBase64: wire.toString("base64"), now,
    accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: null,
    expect: { service: "s3", decoded: payload.toString("base64"), trailerName: "x-amz-checksum-crc32" } };
}
writeFileSync(process.argv[2], JSON.stringify(captured.map(c => c.vector), null, 1));
console.log(captured.map(c => [c.vector.name, c.vector.headers.filter(([k]) => /sha256|encoding|trailer/i.test(k))]));
