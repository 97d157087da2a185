namespace Gureum.Services.Sqs;

/// <summary>
/// The in-memory index of one queue, rebuilt from the state store at start-up. Every field is read and
/// written under <see cref="Gate"/>. Standard queues keep a schedule ordered by visibility time, so a
/// receive reads only the messages that are due; FIFO queues keep each group's messages in order.
/// </summary>
internal sealed class QueueRuntime(QueueRecord record)
{
    public readonly object Gate = new();

    /// <summary>Replaced (never mutated) on SetQueueAttributes/tags, so a reference read outside the gate is consistent.</summary>
    public volatile QueueRecord Record = record;

    public readonly SortedDictionary<long, MessageRecord> Messages = new();
    public readonly SortedSet<(long At, long Seq)> Schedule = new();
    public readonly Dictionary<string, SortedSet<long>> Groups = new(StringComparer.Ordinal);
    public readonly Dictionary<string, DedupRecord> Dedup = new(StringComparer.Ordinal);
    public readonly Dictionary<string, (long ExpiresMs, List<(long Seq, string Token)> Items)> Attempts = new(StringComparer.Ordinal);
    public long NextSeq = 1;
    public long LastPurgeMs = long.MinValue;
    public bool Deleted;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsFifo => Record.IsFifo;

    /// <summary>Completes when a message may have become receivable (send, visibility reset, delete of a FIFO head).</summary>
    public Task SignalTask => _signal.Task;

    public void Signal()
    {
        var previous = _signal;
        _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    public void Add(MessageRecord m)
    {
        Messages[m.Seq] = m;
        if (IsFifo)
        {
            var group = m.GroupId ?? "";
            if (!Groups.TryGetValue(group, out var seqs))
            {
                Groups[group] = seqs = new SortedSet<long>();
            }
            seqs.Add(m.Seq);
        }
        else
        {
            Schedule.Add((m.VisibleAtMs, m.Seq));
        }
        if (m.Seq >= NextSeq)
        {
            NextSeq = m.Seq + 1;
        }
    }

    public void Remove(MessageRecord m)
    {
        if (!Messages.Remove(m.Seq))
        {
            return;
        }
        if (IsFifo)
        {
            var group = m.GroupId ?? "";
            if (Groups.TryGetValue(group, out var seqs))
            {
                seqs.Remove(m.Seq);
                if (seqs.Count == 0)
                {
                    Groups.Remove(group);
                }
            }
        }
        else
        {
            Schedule.Remove((m.VisibleAtMs, m.Seq));
        }
    }

    public void SetVisibleAt(MessageRecord m, long at)
    {
        if (!IsFifo)
        {
            Schedule.Remove((m.VisibleAtMs, m.Seq));
            m.VisibleAtMs = at;
            Schedule.Add((m.VisibleAtMs, m.Seq));
        }
        else
        {
            m.VisibleAtMs = at;
        }
    }

    public void Clear()
    {
        Messages.Clear();
        Schedule.Clear();
        Groups.Clear();
        Attempts.Clear();
    }

    /// <summary>The next moment a message becomes visible, for long-poll timers.</summary>
    public long? NextDueMs()
    {
        if (!IsFifo)
        {
            return Schedule.Count == 0 ? null : Schedule.Min.At;
        }
        long? next = null;
        foreach (var seqs in Groups.Values)
        {
            var head = Messages[seqs.Min];
            if (next is null || head.VisibleAtMs < next)
            {
                next = head.VisibleAtMs;
            }
        }
        return next;
    }
}
