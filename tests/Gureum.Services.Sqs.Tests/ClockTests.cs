using Gureum.Api.Sqs;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Sqs.Tests;

/// <summary>A clock the tests move by hand: SQS's timers (visibility, delay, retention, purge and dedup windows) follow it.</summary>
internal sealed class ManualClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>Time-dependent SQS behaviour, driven by moving the shared clock instead of sleeping.</summary>
public sealed class ClockTests
{
    private readonly ManualClock _clock = new();
    private readonly SqsProvider _sqs;
    private readonly CancellationToken _ct = CancellationToken.None;

    public ClockTests()
    {
        var (state, blobs) = StorageFactory.InMemory();
        _sqs = new SqsProvider(state, blobs, _clock);
    }

    private RequestContext Context() => new()
    {
        RequestId = Guid.NewGuid().ToString(),
        Service = "sqs",
        Operation = "test",
        AccountId = "000000000000",
        Region = "us-east-1",
        ReceivedAt = _clock.GetUtcNow(),
        Clock = _clock,
        Caller = new CallerIdentity("test", "000000000000", "arn:aws:iam::000000000000:root", "000000000000", "Root", null),
        BaseUrl = "http://localhost:4566",
    };

    private async Task<string> CreateAsync(string name, Dictionary<string, string>? attributes = null) =>
        (await _sqs.CreateQueueAsync(Context(), new CreateQueueRequest { QueueName = name, Attributes = attributes }, _ct)).QueueUrl!;

    private async Task<List<Message>> ReceiveAsync(string url, int max = 10) =>
        (await _sqs.ReceiveMessageAsync(Context(), new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = max, MessageSystemAttributeNames = ["All"] }, _ct)).Messages ?? [];

    private Task SendAsync(string url, string body, int? delay = null) =>
        _sqs.SendMessageAsync(Context(), new SendMessageRequest { QueueUrl = url, MessageBody = body, DelaySeconds = delay }, _ct).AsTask();

    [Fact]
    public async Task VisibilityTimeoutExpiresWhenTheClockPassesIt()
    {
        var url = await CreateAsync("vis", new() { ["VisibilityTimeout"] = "600" });
        await SendAsync(url, "x");
        Assert.Single(await ReceiveAsync(url));
        _clock.Offset += TimeSpan.FromSeconds(599);
        Assert.Empty(await ReceiveAsync(url));
        _clock.Offset += TimeSpan.FromSeconds(1);
        var again = Assert.Single(await ReceiveAsync(url));
        Assert.Equal("2", again.Attributes!["ApproximateReceiveCount"]);
    }

    [Fact]
    public async Task DelayedMessagesAppearAfterTheirDelay()
    {
        var url = await CreateAsync("delay");
        await SendAsync(url, "later", delay: 900);
        var attributes = (await _sqs.GetQueueAttributesAsync(Context(), new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["All"] }, _ct)).Attributes!;
        Assert.Equal("1", attributes["ApproximateNumberOfMessagesDelayed"]);
        Assert.Equal("0", attributes["ApproximateNumberOfMessages"]);
        Assert.Empty(await ReceiveAsync(url));
        _clock.Offset += TimeSpan.FromSeconds(900);
        Assert.Equal("later", Assert.Single(await ReceiveAsync(url)).Body);
    }

    [Fact]
    public async Task MessagesExpireAfterTheRetentionPeriod()
    {
        var url = await CreateAsync("retention", new() { ["MessageRetentionPeriod"] = "60" });
        await SendAsync(url, "old");
        _clock.Offset += TimeSpan.FromSeconds(30);
        await SendAsync(url, "young");
        _clock.Offset += TimeSpan.FromSeconds(30);
        Assert.Equal("young", Assert.Single(await ReceiveAsync(url)).Body);
    }

    [Fact]
    public async Task PurgeIsAllowedAgainAfterSixtySeconds()
    {
        var url = await CreateAsync("purge");
        await _sqs.PurgeQueueAsync(Context(), new PurgeQueueRequest { QueueUrl = url }, _ct);
        _clock.Offset += TimeSpan.FromSeconds(59);
        var error = await Assert.ThrowsAsync<PurgeQueueInProgressException>(() => _sqs.PurgeQueueAsync(Context(), new PurgeQueueRequest { QueueUrl = url }, _ct).AsTask());
        Assert.Equal(403, error.HttpStatus);
        Assert.Equal("Only one PurgeQueue operation on purge is allowed every 60 seconds.", error.Message);
        _clock.Offset += TimeSpan.FromSeconds(1);
        await _sqs.PurgeQueueAsync(Context(), new PurgeQueueRequest { QueueUrl = url }, _ct);
    }

    [Fact]
    public async Task DeduplicationWindowIsFiveMinutes()
    {
        var url = await CreateAsync("dedup.fifo", new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" });
        SendMessageRequest Request() => new() { QueueUrl = url, MessageBody = "same", MessageGroupId = "g" };
        var first = await _sqs.SendMessageAsync(Context(), Request(), _ct);
        _clock.Offset += TimeSpan.FromSeconds(299);
        Assert.Equal(first.MessageId, (await _sqs.SendMessageAsync(Context(), Request(), _ct)).MessageId);
        _clock.Offset += TimeSpan.FromSeconds(1);
        Assert.NotEqual(first.MessageId, (await _sqs.SendMessageAsync(Context(), Request(), _ct)).MessageId);
    }

    [Fact]
    public async Task DeletedQueueNameIsReusableAfterSixtySeconds()
    {
        var url = await CreateAsync("recreate");
        await _sqs.DeleteQueueAsync(Context(), new DeleteQueueRequest { QueueUrl = url }, _ct);
        await Assert.ThrowsAsync<QueueDeletedRecentlyException>(() => CreateAsync("recreate"));
        _clock.Offset += TimeSpan.FromSeconds(60);
        Assert.Equal(url, await CreateAsync("recreate"));
    }

    [Fact]
    public async Task LongPollWakesOnSendWithoutWaitingForTheTimeout()
    {
        var url = await CreateAsync("poll");
        var started = DateTime.UtcNow;
        var receive = _sqs.ReceiveMessageAsync(Context(), new ReceiveMessageRequest { QueueUrl = url, WaitTimeSeconds = 20 }, _ct).AsTask();
        await Task.Delay(100);
        Assert.False(receive.IsCompleted);
        await SendAsync(url, "now");
        var result = await receive.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("now", Assert.Single(result.Messages!).Body);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }
}
