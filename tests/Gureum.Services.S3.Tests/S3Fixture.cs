using Amazon.Runtime;
using Amazon.S3;
using Gureum.Server;

namespace Gureum.Services.S3.Tests;

/// <summary>An in-memory Gureum server on a free port and an S3 client for it.</summary>
public sealed class S3Fixture : IAsyncLifetime
{
    private GureumHost? _host;

    public string Url => _host!.Url;

    public AmazonS3Client Client(string region = "us-east-1", string key = "test") =>
        new(new BasicAWSCredentials(key, "test"), new AmazonS3Config
        {
            ServiceURL = Url,
            ForcePathStyle = true,
            AuthenticationRegion = region,
            MaxErrorRetry = 0,
        });

    public async Task InitializeAsync()
    {
        _host = GureumHost.Create(new ServerOptions { Port = 0, InMemory = true, Quiet = true });
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
