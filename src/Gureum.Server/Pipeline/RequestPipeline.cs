using System.Buffers;
using System.Diagnostics;
using Gureum.Auth;
using Gureum.Core;
using Gureum.Protocols;
using Gureum.Protocols.Model;
using Gureum.Protocols.Routing;
using Gureum.Protocols.Validation;
using Gureum.Protocols.Wire;
using Gureum.Server.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gureum.Server.Pipeline;

/// <summary>
/// One request, start to finish: context → route → authenticate → parse and validate →
/// service → serialize → audit and log. Every failure becomes an AWS-shaped error.
/// </summary>
public sealed class RequestPipeline
{
    /// <summary>Bodies of non-streaming operations are buffered up to this size (AWS's largest, Lambda's 6 MB payload, fits).</summary>
    public const int MaxBufferedBody = 20 * 1024 * 1024;

    private readonly ServerOptions _options;
    private readonly RequestRouter _router = new();
    private readonly ProtocolRegistry _protocols;
    private readonly ServiceRegistry _services;
    private readonly SigV4Verifier _verifier;
    private readonly AuditLog _audit;
    private readonly RequestLog _log;
    private readonly TimeProvider _clock;

    public RequestPipeline(ServerOptions options, ProtocolRegistry protocols, ServiceRegistry services,
        ICredentialResolver credentials, AuditLog audit, RequestLog log, TimeProvider clock)
    {
        _options = options;
        _protocols = protocols;
        _services = services;
        _audit = audit;
        _log = log;
        _clock = clock;
        _verifier = new SigV4Verifier(credentials, options.Auth, clock, options.Account);
        _credentialStore = credentials as CredentialStore;
    }

    private readonly CredentialStore? _credentialStore;

    public async Task HandleAsync(HttpContext http)
    {
        var started = Stopwatch.GetTimestamp();
        var received = _clock.GetUtcNow();
        var requestId = RequestIds.New();
        var wire = ToWire(http);
        ServiceModel? service = null;
        OperationModel? operation = null;
        var protocolName = "rest-xml";
        AuthResult? auth = null;
        WireResponse response;
        AwsServiceException? failure = null;
        var sourceIp = http.Connection.RemoteIpAddress?.ToString();
        var info = new ResponseInfo(requestId, received);
        try
        {
            var signedPath = wire.RawPath; // the path the client signed: before the virtual-host rewrite
            var bucket = RequestRouter.ApplyVirtualHost(wire);
            var buffered = false;
            if (IsForm(wire))
            {
                // Query requests carry their Action in the body: it is needed to route.
                await BufferBodyAsync(http, wire).ConfigureAwait(false);
                buffered = true;
            }
            RouteResult route;
            try
            {
                route = _router.Route(wire, bucket);
            }
            catch (RouteException e)
            {
                service = e.Service;
                protocolName = e.Protocol;
                throw e.Error;
            }
            service = route.Service;
            operation = route.Operation;
            protocolName = route.Protocol;
            var protocol = _protocols.Find(protocolName)
                ?? throw CommonErrors.NotImplemented(service.Name, $"{operation.Name} over the {protocolName} protocol");

            var streamingPayload = HasStreamingInput(operation);
            var streaming = streamingPayload && !buffered;
            if (!streaming && !buffered)
            {
                await BufferBodyAsync(http, wire).ConfigureAwait(false);
            }
            auth = _verifier.Verify(new AuthRequest(wire.Method, signedPath, wire.RawQuery, wire.Headers), wire.Body.Span, !streaming);
            if (!auth.Success)
            {
                throw AuthErrors.For(protocolName, service.Name, auth.Failure!);
            }
            if (auth.IsAnonymous && service.Name != "s3" && !operation.AllowsAnonymous)
            {
                throw AuthErrors.For(protocolName, service.Name, new AuthFailure(AuthFailureKind.MissingAuthenticationToken, "Request is missing Authentication Token"));
            }
            if (streaming)
            {
                wire.BodyStream = BodyStreams.Open(http.Request.Body, wire, auth);
            }
            else
            {
                if (IsChunked(wire))
                {
                    await DecodeBufferedChunkedAsync(wire, auth).ConfigureAwait(false);
                }
                if (streamingPayload)
                {
                    // A streaming payload that arrived form-encoded was buffered to route it.
                    wire.BodyStream = new MemoryStream(wire.Body.ToArray(), writable: false);
                }
            }

            if (auth.SignatureVerified)
            {
                _credentialStore?.RecordUse(auth.AccessKeyId, service.Name, auth.Region ?? _options.Region, received);
            }
            var context = new RequestContext
            {
                RequestId = requestId,
                Service = service.Name,
                Operation = operation.Name,
                AccountId = auth.IsAnonymous ? _options.Account : auth.AccountId,
                Region = auth.Region ?? _options.Region,
                ReceivedAt = received,
                Clock = _clock,
                Caller = CredentialStore.Caller(auth, _options.Account),
                BaseUrl = $"{http.Request.Scheme}://{http.Request.Host.Value}",
                SourceIp = sourceIp,
                UserAgent = wire.Headers["User-Agent"],
            };
            var input = protocol.ParseRequest(operation, wire, route.UriLabels);
            InputValidator.Validate(operation, input);
            var provider = _services.Find(service.Name) ?? throw CommonErrors.NotImplemented(service.Name, operation.Name);
            var output = await provider.DispatchAsync(context, operation.Name, input, http.RequestAborted).ConfigureAwait(false);
            response = protocol.SerializeResponse(operation, output, info);
        }
        catch (AwsServiceException e)
        {
            failure = e;
            response = SerializeError(service, operation, protocolName, e, info);
        }
        catch (AwsAuthException e)
        {
            failure = AuthErrors.For(protocolName, service?.Name ?? "s3", e.Failure);
            response = SerializeError(service, operation, protocolName, failure, info);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            _log.Error($"request_id={requestId} unhandled {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}\n{e.StackTrace}");
            failure = CommonErrors.InternalFailure(requestId);
            response = SerializeError(service, operation, protocolName, failure, info);
        }

        if (failure is not null && http.Request.Headers.Expect.Count > 0)
        {
            // The client waited for 100-continue and got a final answer instead: it will not send the body,
            // so Kestrel must not read the next request as this one's body. S3 closes such connections too.
            response.AddHeader("Connection", "close");
        }
        try
        {
            await WriteResponseAsync(http, response).ConfigureAwait(false);
        }
        finally
        {
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var account = auth is { Success: true, IsAnonymous: false } ? auth.AccountId : _options.Account;
            var region = auth?.Region ?? _options.Region;
            var serviceName = service?.Name ?? "unknown";
            var operationName = operation?.Name ?? "unknown";
            _log.Write(requestId, serviceName, operationName, response.Status, failure?.Code, latency, account, region);
            _audit.Record(AuditEvents.Create(requestId, received, service, operationName, region, sourceIp, wire, auth, account,
                response.Status, failure, latency));
        }
    }

    private WireResponse SerializeError(ServiceModel? service, OperationModel? operation, string protocolName,
        AwsServiceException error, ResponseInfo info)
    {
        service ??= ModelCatalog.Get(protocolName == "rest-xml" ? "s3" : "sts");
        var protocol = _protocols.Find(protocolName) ?? _protocols.Find(service.Protocol) ?? _protocols.Find("query")!;
        var response = protocol.SerializeError(service, operation, error, info);
        if (error.Headers is not null)
        {
            foreach (var (name, value) in error.Headers)
            {
                // Protocols that already wrote the error's headers must not get them twice.
                if (!response.Headers.Exists(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)))
                {
                    response.AddHeader(name, value);
                }
            }
        }
        return response;
    }

    private static WireRequest ToWire(HttpContext http)
    {
        var request = http.Request;
        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var headers = new HeaderCollection(request.Headers.Count);
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headers.Add(name, value ?? "");
            }
        }
        return new WireRequest
        {
            Method = request.Method,
            RawPath = question < 0 ? target : target[..question],
            RawQuery = question < 0 ? "" : target[(question + 1)..],
            Headers = headers,
            Host = request.Host.Value ?? "",
        };
    }

    private static bool IsForm(WireRequest wire) =>
        wire.Headers["Content-Type"] is { } type && type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static bool IsChunked(WireRequest wire) =>
        wire.Headers["x-amz-content-sha256"] is { } sha && sha.StartsWith("STREAMING-", StringComparison.Ordinal);

    private static bool HasStreamingInput(OperationModel operation) =>
        operation.Input is { Payload: { } payload } input && input.MembersByName[payload].Streaming;

    private static async Task BufferBodyAsync(HttpContext http, WireRequest wire)
    {
        var declared = http.Request.ContentLength;
        if (declared > MaxBufferedBody)
        {
            throw CommonErrors.RequestEntityTooLarge(MaxBufferedBody);
        }
        using var buffer = new MemoryStream(declared is > 0 ? (int)declared.Value : 256);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBufferedBody)
                {
                    throw CommonErrors.RequestEntityTooLarge(MaxBufferedBody);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        wire.Body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static async Task DecodeBufferedChunkedAsync(WireRequest wire, AuthResult auth)
    {
        await using var decoder = new AwsChunkedDecodingStream(new MemoryStream(wire.Body.ToArray()), auth.Payload, auth.ChunkSigning);
        using var decoded = new MemoryStream();
        await decoder.CopyToAsync(decoded).ConfigureAwait(false);
        wire.Body = decoded.ToArray();
    }

    private static async Task WriteResponseAsync(HttpContext http, WireResponse response)
    {
        var outgoing = http.Response;
        outgoing.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            outgoing.Headers.Append(name, value);
        }
        if (response.ContentType is not null)
        {
            outgoing.ContentType = response.ContentType;
        }
        var isHead = HttpMethods.IsHead(http.Request.Method);
        if (response.BodyStream is { } stream)
        {
            await using (stream.ConfigureAwait(false))
            {
                if (response.ContentLength is { } length)
                {
                    outgoing.ContentLength = length;
                }
                if (!isHead)
                {
                    await stream.CopyToAsync(outgoing.Body, http.RequestAborted).ConfigureAwait(false);
                }
            }
            return;
        }
        if (response.Status is 204 or 304)
        {
            return; // no body by definition (S3's 304 Not Modified, 204 No Content); Kestrel rejects one
        }
        outgoing.ContentLength = response.ContentLength ?? response.Body.Length;
        if (!isHead && response.Body.Length > 0)
        {
            await outgoing.Body.WriteAsync(response.Body, http.RequestAborted).ConfigureAwait(false);
        }
    }
}
