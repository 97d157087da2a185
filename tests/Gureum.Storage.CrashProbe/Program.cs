using System.Globalization;
using System.Text;
using Gureum.Storage;

// Child process for the crash-durability test (and the generator of the committed format fixtures).
//   run <dataDir>      commit numbered batches (+ a blob each) forever, printing "ack N" once each is durable
//   fixture <dataDir>  write the small store kept under tests/Gureum.Storage.Tests/fixtures/format-vN
if (args.Length != 2) return Usage();
return args[0] switch
{
    "run" => await Run(args[1]),
    "fixture" => await Fixture(args[1]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Gureum.Storage.CrashProbe run|fixture <dataDir>");
    return 2;
}

static async Task<int> Run(string dataDir)
{
    var (state, blobs) = StorageFactory.OpenDurable(dataDir);
    long counter = 0;
    var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
    {
        while (true)
        {
            long n = Interlocked.Increment(ref counter);
            var info = await blobs.WriteAsync(new MemoryStream(ProbeData.Blob(n)));
            var key = n.ToString("D10", CultureInfo.InvariantCulture);
            // Two tables in one batch: after a crash both rows exist or neither does.
            var ok = await state.CommitAsync(new WriteBatch()
                .Put("probe/items", key, Encoding.UTF8.GetBytes($"{info.Id}:{info.Length}"))
                .Put("probe/index", key, [1]));
            if (ok) Console.Out.WriteLine($"ack {n}");
        }
    })).ToArray();
    await Task.WhenAll(workers);
    return 0;
}

static async Task<int> Fixture(string dataDir)
{
    var (state, blobs) = StorageFactory.OpenDurable(dataDir);
    var blob = await blobs.WriteAsync(new MemoryStream(Encoding.UTF8.GetBytes("hello from format v1")));
    await state.CommitAsync(new WriteBatch()
        .Put("s3/objects/000000000000/us-east-1", "bucket/a", Encoding.UTF8.GetBytes(blob.Id))
        .Put("s3/objects/000000000000/us-east-1", "bucket/a/b", [1, 2, 3])
        .Put("s3/objects/000000000000/us-east-1", "bucket/😀", [])
        .Put("sqs/queues", "q1", Encoding.UTF8.GetBytes("{\"visibility\":30}")));
    await state.DisposeAsync();
    File.Delete(Path.Combine(dataDir, "LOCK"));
    Console.Out.WriteLine(blob.Id);
    return 0;
}

internal static class ProbeData
{
    public static byte[] Blob(long n)
    {
        var data = new byte[4096 + (int)(n % 64) * 1024];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(n * 31 + i);
        return data;
    }
}
