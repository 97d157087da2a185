"""Generates SigV4 test vectors with botocore (the reference signer for the AWS CLI).

Run: python3 gen_botocore.py  -> writes botocore_vectors.json next to this file.
The tests only read the JSON; python is not needed at test time.
Each vector is the request exactly as it would go on the wire (path/query still encoded, headers
incl. Host) plus the clock and credentials used, so the verifier can be checked against it.
"""
import base64
import datetime
import json
import os
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

NOW = datetime.datetime(2024, 1, 1, 12, 0, 0)
AKID, SECRET, TOKEN = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLE+token/with=chars"
botocore.auth.get_current_datetime = lambda *a, **k: NOW  # fixed clock for every signer

vectors = []


def record(name, method, url, headers, body, token=None, expect=None):
    parts = urlsplit(url)
    hdrs = [[k, v if isinstance(v, str) else v.decode()] for k, v in headers.items()]
    if not any(k.lower() == "host" for k, _ in hdrs):
        hdrs.append(["Host", parts.netloc])  # urllib3 sends it; botocore signs it from the URL
    if body is None:
        body = b""
    elif hasattr(body, "read"):
        body = body.read()
    elif isinstance(body, str):
        body = body.encode()
    vectors.append({
        "name": name, "method": method, "rawPath": parts.path, "rawQuery": parts.query, "headers": hdrs,
        "bodyBase64": base64.b64encode(bytes(body)).decode(), "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accessKeyId": AKID, "secretAccessKey": SECRET, "sessionToken": token, "expect": expect or {},
    })


def client(service, token=None, endpoint="http://localhost:4566", **cfg):
    sess = botocore.session.get_session()
    c = sess.create_client(service, region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=AKID,
                           aws_secret_access_key=SECRET, aws_session_token=token, config=Config(**cfg))
    return c


def capture(c, name, call, token=None, expect=None):
    """Runs a real client call, capturing the signed request instead of sending it."""
    def before_send(request, **_):
        record(name, request.method, request.url, request.headers, request.body, token, expect)
        return AWSResponse(request.url, 200, {}, None)
    c.meta.events.register("before-send", before_send)
    try:
        call(c)
    except Exception:  # the fake empty response may not parse; the request was already captured
        pass


capture(client("sts"), "sts-query-post", lambda c: c.get_caller_identity(), expect={"service": "sts", "payload": "Signed"})
capture(client("sts", token=TOKEN), "sts-session-token", lambda c: c.get_caller_identity(), token=TOKEN, expect={"service": "sts"})
capture(client("kms"), "kms-json11-target", lambda c: c.list_keys(Limit=10), expect={"service": "kms"})
capture(client("dynamodb"), "dynamodb-json10", lambda c: c.list_tables(), expect={"service": "dynamodb"})
capture(client("sqs"), "sqs-query-attrs", lambda c: c.get_queue_attributes(QueueUrl="http://localhost:4566/000000000000/q", AttributeNames=["All"]))
s3path = dict(s3={"addressing_style": "path"})
capture(client("s3", **s3path), "s3-put-signed", lambda c: c.put_object(Bucket="bkt", Key="a/b.txt", Body=b"hello world"),
        expect={"service": "s3", "payload": "Signed"})
capture(client("s3", **s3path), "s3-get-odd-key", lambda c: c.get_object(Bucket="bkt", Key="dir/my file+plus~tilde ü é€ (1)!*'.txt"),
        expect={"service": "s3"})
capture(client("s3", **s3path), "s3-list-empty-prefix", lambda c: c.list_objects_v2(Bucket="bkt", Prefix="", Delimiter="/", StartAfter="a b+c"))
capture(client("s3", token=TOKEN, **s3path), "s3-head-session-token", lambda c: c.head_object(Bucket="bkt", Key="k"), token=TOKEN)
# Over https with a checksum, botocore disables payload signing -> UNSIGNED-PAYLOAD.
capture(client("s3", endpoint="https://s3.us-east-1.amazonaws.com", request_checksum_calculation="when_required", **s3path), "s3-put-unsigned",
        lambda c: c.put_object(Bucket="bkt", Key="u.bin", Body=b"unsigned body", ContentMD5="n4TX1T0fPbGaBPZHbZH+zA=="),
        expect={"service": "s3", "payload": "Unsigned"})
# Streaming input over https -> aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER with a crc32 trailer.
import io
capture(client("s3", endpoint="https://s3.us-east-1.amazonaws.com", **s3path), "s3-put-unsigned-trailer",
        lambda c: c.put_object(Bucket="bkt", Key="t.bin", Body=io.BytesIO(b"x" * 70000)),
        expect={"service": "s3", "payload": "StreamingUnsignedTrailer", "decoded": base64.b64encode(b"x" * 70000).decode(),
                "trailerName": "x-amz-checksum-crc32"})

# Query strings with repeated/empty/no-value params and a non-S3 path with dot segments (signed via SigV4Auth).
creds = Credentials(AKID, SECRET)
for name, url, service in [
    ("query-repeated-empty", "https://example.us-east-1.amazonaws.com/?b=2&a=1&a=&c=&z=%20x&Action=Do", "example"),
    ("path-dot-segments", "https://abc.execute-api.us-east-1.amazonaws.com/prod/../stage//items/a%20b/./c", "execute-api"),
]:
    req = AWSRequest(method="GET", url=url, headers={})
    SigV4Auth(creds, service, "us-east-1").add_auth(req)
    record(name, "GET", url, req.headers, b"", expect={"service": service})

# Presigned URLs (S3 GET/PUT, session token, and a non-S3 presign).
sess = botocore.session.get_session()
def presign(name, service, op, params, token=None, expires=900, method="GET", expect=None, **cfg):
    c = sess.create_client(service, region_name="us-east-1", endpoint_url="http://localhost:4566", aws_access_key_id=AKID,
                           aws_secret_access_key=SECRET, aws_session_token=token, config=Config(signature_version="s3v4" if service == "s3" else None, **cfg))
    url = c.generate_presigned_url(op, Params=params, ExpiresIn=expires, HttpMethod=method)
    record(name, method, url, {}, b"", token, dict(expect or {}, presigned=True, expires=expires))

presign("s3-presign-get", "s3", "get_object", {"Bucket": "bkt", "Key": "my key+ü.txt"}, s3={"addressing_style": "path"}, expect={"payload": "Unsigned"})
presign("s3-presign-put", "s3", "put_object", {"Bucket": "bkt", "Key": "up.bin"}, method="PUT", s3={"addressing_style": "path"})
presign("s3-presign-token", "s3", "get_object", {"Bucket": "bkt", "Key": "k"}, token=TOKEN, expires=3600, s3={"addressing_style": "path"})
presign("s3-presign-week", "s3", "get_object", {"Bucket": "bkt", "Key": "k"}, expires=604800, s3={"addressing_style": "path"})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "botocore_vectors.json")
with open(out, "w") as f:
    json.dump(vectors, f, indent=1, ensure_ascii=False)
print(f"wrote {len(vectors)} vectors to {out}")
