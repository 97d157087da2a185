using System.Collections.Concurrent;

namespace Gureum.Protocols.Model;

/// <summary>
/// The vendored models embedded in this assembly, parsed on first use one service at a time
/// so start-up stays fast (a cold start touches only the services it calls).
/// </summary>
public static class ModelCatalog
{
    private static readonly ConcurrentDictionary<string, Lazy<ServiceModel>> Loaded = new(StringComparer.Ordinal);

    private static readonly string[] AllNames = typeof(ModelCatalog).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("models/", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n["models/".Length..^".json".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Model names (file names under specs/models), e.g. "sts", "cognito-idp".</summary>
    public static IReadOnlyList<string> Names => AllNames;

    public static bool Contains(string name) => Array.BinarySearch(AllNames, name, StringComparer.Ordinal) >= 0;

    public static ServiceModel Get(string name) =>
        Loaded.GetOrAdd(name, n => new Lazy<ServiceModel>(() => Load(n))).Value;

    private static ServiceModel Load(string name)
    {
        var assembly = typeof(ModelCatalog).Assembly;
        using var stream = assembly.GetManifestResourceStream($"models/{name}.json")
            ?? throw new KeyNotFoundException($"No vendored model named '{name}'.");
        using var patch = assembly.GetManifestResourceStream($"patches/{name}.json");
        if (patch is null)
        {
            return ModelLoader.Load(name, stream);
        }
        using var patched = new MemoryStream(ModelPatch.Apply(ReadAll(stream), ReadAll(patch)));
        return ModelLoader.Load(name, patched);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
