using Gureum.Protocols.Query;
using Gureum.Server.Audit;
using Gureum.Server.Pipeline;
using Gureum.Services.DynamoDb;
using Gureum.Services.Iam;
using Gureum.Services.S3;
using Gureum.Services.Sns;
using Gureum.Services.Sqs;
using Gureum.Services.Kms;
using Gureum.Services.Lambda;
using Gureum.Services.Logs;
using Gureum.Services.Sts;
using Gureum.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Gureum.Server;

/// <summary>
/// The composition root: storage, credentials, protocols, services and the pipeline, served by
/// Kestrel. The same class runs the `gureum start` server and an in-process server in tests.
/// </summary>
public sealed class GureumHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IStateStore _state;
    private readonly AuditLog _audit;

    private GureumHost(WebApplication app, IStateStore state, AuditLog audit)
    {
        _app = app;
        _state = state;
        _audit = audit;
    }

    public string Url { get; private set; } = "";

    public static GureumHost Create(ServerOptions options, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        var (state, blobs) = options.InMemory ? StorageFactory.InMemory() : StorageFactory.OpenDurable(options.DataDir);

        var protocols = new ProtocolRegistry();
        protocols.Add(new QueryProtocol(ec2: false));
        protocols.Add(new QueryProtocol(ec2: true));
        ProtocolSetup.AddAll(protocols);

        // In memory the trail is capped lower: it shares the heap with everything else.
        var audit = new AuditLog(state, options.InMemory ? 50_000 : 1_000_000);
        var credentials = new CredentialStore(options.Account, options.CredentialsFile, clock);
        var services = new ServiceRegistry();
        // Services call each other through their APIs with this client (e.g. SNS → SQS).
        var serviceClient = new InProcessServiceClient(services, audit, clock);
        var iam = new IamProvider(state, clock);
        var sts = new StsProvider(state, clock, iam);
        services.Add(iam);
        services.Add(sts);
        credentials.AddDirectory(iam);
        credentials.AddDirectory(sts);
        services.Add(new LogsProvider(state, clock));
        services.Add(new LambdaProvider(state, blobs, clock, serviceClient, options.InMemory ? null : options.DataDir));
        services.Add(new S3Provider(state, blobs));
        services.Add(new SqsProvider(state, blobs, clock));
        var dynamodb = new DynamodbProvider(state, clock);
        services.Add(dynamodb);
        services.Add(new Gureum.Services.DynamoDbStreams.DynamodbstreamsProvider(dynamodb));
        services.Add(new KmsProvider(state, clock, options.InMemory ? null : options.DataDir));
        services.Add(new SnsProvider(state, clock, serviceClient));

        var log = new RequestLog(!options.Quiet);
        var pipeline = new RequestPipeline(options, protocols, services,
            credentials, audit, log, clock);
        var internals = new InternalEndpoints(services, state, blobs, audit, options, clock);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // S3 objects stream; buffered bodies have their own limit
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            kestrel.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http1);
        });
        builder.WebHost.UseUrls($"http://{FormatHost(options.Host)}:{options.Port}");
        var app = builder.Build();
        app.Run(http => InternalEndpoints.Handles(http.Request.Path) ? internals.HandleAsync(http) : pipeline.HandleAsync(http));
        return new GureumHost(app, state, audit);
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    public async Task StartAsync()
    {
        await _app.StartAsync().ConfigureAwait(false);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        Url = addresses?.Addresses.FirstOrDefault() ?? _app.Urls.FirstOrDefault() ?? "";
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _audit.DisposeAsync().ConfigureAwait(false);
        await _state.DisposeAsync().ConfigureAwait(false);
    }
}
