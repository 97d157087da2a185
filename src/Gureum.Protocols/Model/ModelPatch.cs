using System.Text.Json.Nodes;

namespace Gureum.Protocols.Model;

/// <summary>
/// Corrections to a vendored model are data: specs/patches/&lt;service&gt;.json is an RFC 7396
/// JSON merge patch applied to specs/models/&lt;service&gt;.json before it is read (e.g. the legacy
/// query error codes SQS still sends, which botocore's model lacks).
/// </summary>
public static class ModelPatch
{
    public static byte[] Apply(byte[] model, byte[] patch)
    {
        var target = JsonNode.Parse(model) ?? throw new InvalidDataException("empty model");
        var merged = Merge(target, JsonNode.Parse(patch));
        return System.Text.Encoding.UTF8.GetBytes(merged!.ToJsonString());
    }

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var existing = result[key];
                result.Remove(key);
                result[key] = Merge(existing?.DeepClone(), value);
            }
        }
        return result;
    }
}
