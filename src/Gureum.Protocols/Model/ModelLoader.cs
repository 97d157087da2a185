using System.Text.Json;

namespace Gureum.Protocols.Model;

/// <summary>
/// Reads a vendored AWS JSON model (specs/models/*.json) into <see cref="ServiceModel"/>.
/// Hand-written over JsonDocument so it needs no reflection (Native AOT).
/// </summary>
public static class ModelLoader
{
    public static ServiceModel Load(string name, Stream json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        return Load(name, document.RootElement);
    }

    public static ServiceModel Load(string name, JsonElement root)
    {
        var model = new ServiceModel(name);
        var metadata = root.GetProperty("metadata");
        model.ApiVersion = Str(metadata, "apiVersion") ?? "";
        model.Protocol = Str(metadata, "protocol") ?? "";
        model.Protocols = metadata.TryGetProperty("protocols", out var protocols)
            ? protocols.EnumerateArray().Select(p => p.GetString()!).ToList()
            : [model.Protocol];
        model.JsonVersion = Str(metadata, "jsonVersion");
        model.TargetPrefix = Str(metadata, "targetPrefix");
        model.EndpointPrefix = Str(metadata, "endpointPrefix") ?? name;
        model.SigningName = Str(metadata, "signingName") ?? model.EndpointPrefix;
        model.ServiceId = Str(metadata, "serviceId") ?? name;
        model.ServiceFullName = Str(metadata, "serviceFullName");
        model.XmlNamespace = Str(metadata, "xmlNamespace");
        model.GlobalEndpoint = Str(metadata, "globalEndpoint");
        model.AwsQueryCompatible = metadata.TryGetProperty("awsQueryCompatible", out _);

        var shapes = new Dictionary<string, Shape>(StringComparer.Ordinal);
        var shapeJson = root.GetProperty("shapes");
        foreach (var property in shapeJson.EnumerateObject())
        {
            shapes[property.Name] = new Shape(property.Name, ParseType(Str(property.Value, "type")!));
        }
        foreach (var property in shapeJson.EnumerateObject())
        {
            FillShape(shapes[property.Name], property.Value, shapes);
        }
        model.Shapes = shapes;

        var errorsByCode = new Dictionary<string, Shape>(StringComparer.Ordinal);
        foreach (var shape in shapes.Values.Where(s => s.IsException))
        {
            errorsByCode.TryAdd(shape.ErrorCode ?? shape.Name, shape);
            errorsByCode.TryAdd(shape.Name, shape);
        }
        model.ErrorsByCode = errorsByCode;

        var operations = new Dictionary<string, OperationModel>(StringComparer.Ordinal);
        foreach (var property in root.GetProperty("operations").EnumerateObject())
        {
            operations[property.Name] = LoadOperation(model, property.Name, property.Value, shapes);
        }
        model.Operations = operations;
        return model;
    }

    private static OperationModel LoadOperation(ServiceModel model, string name, JsonElement json, Dictionary<string, Shape> shapes)
    {
        var op = new OperationModel(model, name);
        if (json.TryGetProperty("http", out var http))
        {
            op.HttpMethod = Str(http, "method") ?? "POST";
            op.RequestUri = Str(http, "requestUri") ?? "/";
            if (http.TryGetProperty("responseCode", out var code))
            {
                op.ResponseCode = code.GetInt32();
            }
        }
        if (json.TryGetProperty("input", out var input))
        {
            op.Input = shapes[Str(input, "shape")!];
            op.InputXmlRoot = Str(input, "locationName");
            if (input.TryGetProperty("xmlNamespace", out var ns))
            {
                op.InputXmlNamespace = Str(ns, "uri");
            }
        }
        if (json.TryGetProperty("output", out var output))
        {
            op.Output = shapes[Str(output, "shape")!];
            op.ResultWrapper = Str(output, "resultWrapper");
        }
        if (json.TryGetProperty("errors", out var errors))
        {
            op.Errors = errors.EnumerateArray().Select(e => shapes[Str(e, "shape")!]).ToList();
        }
        if (json.TryGetProperty("endpoint", out var endpoint))
        {
            op.HostPrefix = Str(endpoint, "hostPrefix");
        }
        op.Deprecated = Bool(json, "deprecated");
        op.HttpChecksumRequired = Bool(json, "httpChecksumRequired");
        op.AllowsAnonymous = Str(json, "authtype") == "none"
            || json.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.Array
               && auth.EnumerateArray().Any(a => a.GetString() == "smithy.api#noAuth");
        op.Template = UriTemplate.Parse(op.RequestUri);
        return op;
    }

    private static void FillShape(Shape shape, JsonElement json, Dictionary<string, Shape> shapes)
    {
        shape.Flattened = Bool(json, "flattened");
        shape.LocationName = Str(json, "locationName");
        shape.Pattern = Str(json, "pattern");
        shape.TimestampFormat = Str(json, "timestampFormat");
        shape.Streaming = Bool(json, "streaming");
        shape.RequiresLength = Bool(json, "requiresLength");
        shape.Sensitive = Bool(json, "sensitive");
        shape.Document = Bool(json, "document");
        shape.Union = Bool(json, "union");
        shape.Event = Bool(json, "event");
        shape.EventStream = Bool(json, "eventstream");
        shape.IsException = Bool(json, "exception") || json.TryGetProperty("error", out _);
        shape.Payload = Str(json, "payload");
        if (json.TryGetProperty("min", out var min))
        {
            shape.Min = min.GetDouble();
        }
        if (json.TryGetProperty("max", out var max))
        {
            shape.Max = max.GetDouble();
        }
        if (json.TryGetProperty("xmlNamespace", out var ns))
        {
            shape.XmlNamespace = Str(ns, "uri");
        }
        if (json.TryGetProperty("enum", out var values))
        {
            var list = values.EnumerateArray().Select(v => v.GetString()!).ToList();
            shape.Enum = list;
            shape.EnumSet = new HashSet<string>(list, StringComparer.Ordinal);
        }
        if (json.TryGetProperty("error", out var error))
        {
            shape.ErrorCode = Str(error, "code");
            if (error.TryGetProperty("httpStatusCode", out var status))
            {
                shape.ErrorHttpStatus = status.GetInt32();
            }
            shape.ErrorSenderFault = Bool(error, "senderFault");
        }
        if (json.TryGetProperty("required", out var required))
        {
            shape.Required = new HashSet<string>(required.EnumerateArray().Select(r => r.GetString()!), StringComparer.Ordinal);
        }
        if (json.TryGetProperty("members", out var members))
        {
            var list = new List<Member>();
            foreach (var property in members.EnumerateObject())
            {
                list.Add(LoadMember(property.Name, property.Value, shapes));
            }
            shape.Members = list;
            shape.MembersByName = list.ToDictionary(m => m.Name, StringComparer.Ordinal);
        }
        if (json.TryGetProperty("member", out var listMember))
        {
            shape.ListMember = LoadMember("member", listMember, shapes);
        }
        if (json.TryGetProperty("key", out var key))
        {
            shape.MapKey = LoadMember("key", key, shapes);
        }
        if (json.TryGetProperty("value", out var value))
        {
            shape.MapValue = LoadMember("value", value, shapes);
        }
    }

    private static Member LoadMember(string name, JsonElement json, Dictionary<string, Shape> shapes)
    {
        var member = new Member(name, shapes[Str(json, "shape")!])
        {
            Location = Str(json, "location") switch
            {
                "uri" => MemberLocation.Uri,
                "querystring" => MemberLocation.QueryString,
                "header" => MemberLocation.Header,
                "headers" => MemberLocation.Headers,
                "statusCode" => MemberLocation.StatusCode,
                _ => MemberLocation.Body,
            },
            LocationName = Str(json, "locationName"),
            QueryName = Str(json, "queryName"),
            XmlName = Str(json, "xmlName"),
            XmlAttribute = Bool(json, "xmlAttribute"),
            JsonValue = Bool(json, "jsonvalue"),
            TimestampFormat = Str(json, "timestampFormat"),
            IdempotencyToken = Bool(json, "idempotencyToken"),
            HostLabel = Bool(json, "hostLabel"),
            Streaming = Bool(json, "streaming"),
        };
        if (json.TryGetProperty("flattened", out var flattened))
        {
            member.Flattened = flattened.GetBoolean();
        }
        if (json.TryGetProperty("xmlNamespace", out var ns))
        {
            member.XmlNamespaceUri = Str(ns, "uri");
            member.XmlNamespacePrefix = Str(ns, "prefix");
        }
        return member;
    }

    private static ShapeType ParseType(string type) => type switch
    {
        "structure" => ShapeType.Structure,
        "list" => ShapeType.List,
        "map" => ShapeType.Map,
        "string" => ShapeType.String,
        "integer" => ShapeType.Integer,
        "long" => ShapeType.Long,
        "boolean" => ShapeType.Boolean,
        "float" => ShapeType.Float,
        "double" => ShapeType.Double,
        "bigdecimal" => ShapeType.BigDecimal,
        "biginteger" => ShapeType.BigInteger,
        "timestamp" => ShapeType.Timestamp,
        "blob" => ShapeType.Blob,
        "byte" => ShapeType.Byte,
        "short" => ShapeType.Short,
        _ => throw new InvalidDataException($"Unknown shape type '{type}'."),
    };

    private static string? Str(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
