using Gureum.CodeGen;

// Usage: Gureum.CodeGen <specs/models dir> <output dir> [--check]
// Generates src/Gureum.Api/Generated/<Service>/*.g.cs from the vendored AWS models.
// With --check, compares instead of writing and exits 1 when the committed code is stale.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Gureum.CodeGen <models-dir> <output-dir> [--check]");
    return 2;
}
var modelsDir = args[0];
var outputDir = args[1];
var check = args.Contains("--check");
var stale = new List<string>();
var expected = new HashSet<string>(StringComparer.Ordinal);
foreach (var file in Directory.GetFiles(modelsDir, "*.json").Order(StringComparer.Ordinal))
{
    var name = Path.GetFileNameWithoutExtension(file);
    var bytes = File.ReadAllBytes(file);
    var patchFile = Path.Combine(modelsDir, "..", "patches", name + ".json");
    if (File.Exists(patchFile))
    {
        bytes = Gureum.Protocols.Model.ModelPatch.Apply(bytes, File.ReadAllBytes(patchFile));
    }
    using var stream = new MemoryStream(bytes);
    var model = Gureum.Protocols.Model.ModelLoader.Load(name, stream);
    foreach (var (relative, text) in new ServiceGenerator(model).Generate())
    {
        var path = Path.Combine(outputDir, relative);
        expected.Add(Path.GetFullPath(path));
        var current = File.Exists(path) ? File.ReadAllText(path) : null;
        if (current == text)
        {
            continue;
        }
        stale.Add(relative);
        if (!check)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
    }
}
if (Directory.Exists(outputDir))
{
    foreach (var file in Directory.GetFiles(outputDir, "*.g.cs", SearchOption.AllDirectories))
    {
        if (!expected.Contains(Path.GetFullPath(file)))
        {
            stale.Add(Path.GetRelativePath(outputDir, file) + " (obsolete)");
            if (!check)
            {
                File.Delete(file);
            }
        }
    }
}
if (check && stale.Count > 0)
{
    Console.Error.WriteLine("Generated code is stale; run tools/generate.sh. Differs: " + string.Join(", ", stale));
    return 1;
}
Console.Error.WriteLine(check ? "generated code is up to date" : $"wrote {stale.Count} file(s)");
return 0;
