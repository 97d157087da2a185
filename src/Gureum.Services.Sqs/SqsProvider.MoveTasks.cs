using System.Globalization;
using System.Text;
using Gureum.Api.Sqs;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Sqs;

/// <summary>
/// Dead-letter queue redrive: StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask. A task
/// moves the messages that were in the DLQ when it started, each in one atomic batch (delete from the DLQ,
/// add to the destination: DestinationArn or the message's DeadLetterQueueSourceArn), at most
/// MaxNumberOfMessagesPerSecond per second on the shared clock. Tasks live in memory (a restart forgets
/// their history; messages already moved stay moved).
/// </summary>
public sealed partial class SqsProvider
{
    private sealed class MoveTask : IDisposable
    {
        public required string Handle { get; init; }
        public required string SourceArn { get; init; }
        public string? DestinationArn { get; init; }
        public int? Rate { get; init; }
        public long StartedMs { get; init; }
        public required List<long> Seqs { get; init; }
        public string Status { get; set; } = "RUNNING";
        public long Moved;
        public string? FailureReason { get; set; }
        public readonly CancellationTokenSource Cancel = new();

        public void Dispose() => Cancel.Dispose();
    }

    private readonly List<MoveTask> _moveTasks = [];

    public override async ValueTask<StartMessageMoveTaskResult> StartMessageMoveTaskAsync(RequestContext context, StartMessageMoveTaskRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync().ConfigureAwait(false);
        var source = FindByArn(request.SourceArn!);
        if (source is null || source.Record.Account != context.AccountId || source.Record.Region != context.Region)
        {
            throw new ResourceNotFoundException("The resource that you specified for the SourceArn parameter doesn't exist.");
        }
        var sourceArn = source.Record.Arn;
        if (!_queues.Values.Any(q => !q.Deleted && RedrivePolicyOf(q.Record)?.Arn == sourceArn))
        {
            throw SqsErrors.InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.");
        }
        if (request.DestinationArn is { Length: > 0 } destinationArn && FindByArn(destinationArn) is null)
        {
            throw new ResourceNotFoundException("The resource that you specified for the DestinationArn parameter doesn't exist.");
        }
        if (request.MaxNumberOfMessagesPerSecond is { } rate && (rate < 1 || rate > 500))
        {
            throw SqsErrors.InvalidParameterValue($"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.");
        }
        MoveTask task;
        lock (_moveTasks)
        {
            if (_moveTasks.Any(t => t.SourceArn == sourceArn && t.Status == "RUNNING"))
            {
                throw SqsErrors.InvalidParameterValue("There is already a task running. Only one active task is allowed for a source queue arn at a given time.");
            }
            List<long> seqs;
            lock (source.Gate)
            {
                seqs = [.. source.Messages.Keys];
            }
            var id = Guid.NewGuid().ToString();
            task = new MoveTask
            {
                Handle = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"taskId\":\"{id}\",\"sourceArn\":\"{sourceArn}\"}}")),
                SourceArn = sourceArn,
                DestinationArn = string.IsNullOrEmpty(request.DestinationArn) ? null : request.DestinationArn,
                Rate = request.MaxNumberOfMessagesPerSecond,
                StartedMs = NowMs,
                Seqs = seqs,
            };
            _moveTasks.Add(task);
        }
        _ = Task.Run(() => RunMoveTaskAsync(source, task), CancellationToken.None);
        return new StartMessageMoveTaskResult { TaskHandle = task.Handle };
    }

    public override async ValueTask<ListMessageMoveTasksResult> ListMessageMoveTasksAsync(RequestContext context, ListMessageMoveTasksRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync().ConfigureAwait(false);
        var source = FindByArn(request.SourceArn!);
        if (source is null || source.Record.Account != context.AccountId || source.Record.Region != context.Region)
        {
            throw new ResourceNotFoundException("The resource that you specified for the SourceArn parameter doesn't exist.");
        }
        var max = request.MaxResults ?? 1;
        if (max < 1 || max > 10)
        {
            throw SqsErrors.InvalidParameterValue($"Value {max} for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and 10.");
        }
        List<MoveTask> tasks;
        lock (_moveTasks)
        {
            tasks = [.. _moveTasks.Where(t => t.SourceArn == source.Record.Arn).Reverse().Take(max)];
        }
        return new ListMessageMoveTasksResult
        {
            Results = [.. tasks.Select(t => new ListMessageMoveTasksResultEntry
            {
                TaskHandle = t.Status == "RUNNING" ? t.Handle : null,
                Status = t.Status,
                SourceArn = t.SourceArn,
                DestinationArn = t.DestinationArn,
                MaxNumberOfMessagesPerSecond = t.Rate,
                ApproximateNumberOfMessagesMoved = Interlocked.Read(ref t.Moved),
                ApproximateNumberOfMessagesToMove = t.Seqs.Count,
                FailureReason = t.FailureReason,
                StartedTimestamp = t.StartedMs,
            })],
        };
    }

    public override async ValueTask<CancelMessageMoveTaskResult> CancelMessageMoveTaskAsync(RequestContext context, CancelMessageMoveTaskRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync().ConfigureAwait(false);
        MoveTask? task;
        lock (_moveTasks)
        {
            task = _moveTasks.FirstOrDefault(t => t.Handle == request.TaskHandle);
            if (task is null)
            {
                throw new ResourceNotFoundException("Task does not exist.");
            }
            if (task.Status != "RUNNING")
            {
                throw SqsErrors.InvalidParameterValue("Only active tasks can be cancelled.");
            }
            task.Status = "CANCELLING";
        }
        await task.Cancel.CancelAsync().ConfigureAwait(false);
        return new CancelMessageMoveTaskResult { ApproximateNumberOfMessagesMoved = Interlocked.Read(ref task.Moved) };
    }

    private async Task RunMoveTaskAsync(QueueRuntime source, MoveTask task)
    {
        var ct = task.Cancel.Token;
        var movedThisSecond = 0;
        try
        {
            foreach (var seq in task.Seqs)
            {
                ct.ThrowIfCancellationRequested();
                if (task.Rate is { } rate && movedThisSecond >= rate)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _clock, ct).ConfigureAwait(false);
                    movedThisSecond = 0;
                }
                MessageRecord? m;
                lock (source.Gate)
                {
                    if (source.Deleted)
                    {
                        Finish(task, "FAILED", "AWS.SimpleQueueService.NonExistentQueue");
                        return;
                    }
                    // a message received (in flight) or deleted since the task started is skipped
                    if (!source.Messages.TryGetValue(seq, out m) || m.VisibleAtMs > NowMs)
                    {
                        continue;
                    }
                }
                var destinationArn = task.DestinationArn ?? m.DeadLetterSourceArn;
                var destination = destinationArn is null ? null : FindByArn(destinationArn);
                if (destination is null)
                {
                    Finish(task, "FAILED", "AWS.SimpleQueueService.NonExistentQueue");
                    return;
                }
                await MoveBackAsync(source, m, destination).ConfigureAwait(false);
                Interlocked.Increment(ref task.Moved);
                movedThisSecond++;
            }
            Finish(task, "COMPLETED", null);
        }
        catch (OperationCanceledException)
        {
            Finish(task, "CANCELLED", null);
        }
        catch (Exception e)
        {
            Finish(task, "FAILED", e.Message);
        }
    }

    private void Finish(MoveTask task, string status, string? reason)
    {
        lock (_moveTasks)
        {
            task.Status = task.Status == "CANCELLING" && status != "FAILED" ? "CANCELLED" : status;
            task.FailureReason = reason;
        }
    }

    /// <summary>One message from the DLQ to its destination in one atomic batch; it arrives as a new, never-received message.</summary>
    private async Task MoveBackAsync(QueueRuntime source, MessageRecord m, QueueRuntime destination)
    {
        var batch = new WriteBatch();
        lock (source.Gate)
        {
            if (!source.Messages.ContainsKey(m.Seq))
            {
                return;
            }
            source.Remove(m);
            batch.Delete(SqsKeys.Messages, SqsKeys.Message(source.Record.Key, m.Seq));
        }
        Task commit;
        lock (destination.Gate)
        {
            var now = NowMs;
            var seq = Math.Max(destination.NextSeq, now * 1000);
            destination.NextSeq = seq + 1;
            m.Seq = seq;
            m.VisibleAtMs = now;
            m.Token = null;
            m.ReceiveCount = 0;
            m.FirstReceiveMs = 0;
            m.LastReceiveMs = 0;
            m.DeadLetterSourceArn = null;
            m.SentMs = now;
            if (destination.IsFifo)
            {
                m.GroupId ??= "";
                m.SequenceNumber = "1" + seq.ToString("D19", CultureInfo.InvariantCulture);
            }
            else
            {
                m.GroupId = null;
                m.SequenceNumber = null;
            }
            destination.Add(m);
            batch.Put(SqsKeys.Messages, SqsKeys.Message(destination.Record.Key, seq), SqsJson.Bytes(m));
            destination.Signal();
            commit = Commit(batch);
        }
        await commit.ConfigureAwait(false);
    }
}
