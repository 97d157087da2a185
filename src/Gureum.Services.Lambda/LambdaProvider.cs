using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gureum.Api.Lambda;
using Gureum.Core;
using Gureum.Services.Lambda.Runtime;
using Gureum.Storage;

namespace Gureum.Services.Lambda;

/// <summary>
/// AWS Lambda without containers: functions run as child processes behind the Lambda Runtime API
/// (see <see cref="ExecutionEnvironment"/>). This file: create/get/list/update/delete of functions.
/// </summary>
public sealed partial class LambdaProvider : LambdaServiceBase, IResettable, IDisposable
{
    internal const string DefaultRuntimesFolder = "lambda-runtimes";
    private static readonly HashSet<string> RunnableRuntimes = new(StringComparer.Ordinal)
    {
        "python3.11", "python3.12", "python3.13", "python3.14", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
        "provided", "provided.al2", "provided.al2023",
    };

    private static readonly HashSet<string> DeprecatedRuntimes = new(StringComparer.Ordinal)
    {
        "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
        "nodejs4.3-edge", "python2.7", "python3.6", "python3.7", "python3.8", "dotnetcore1.0", "dotnetcore2.0",
        "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "go1.x", "ruby2.5", "ruby2.7", "java8",
    };

    private static readonly HashSet<string> ReservedVariables = new(StringComparer.Ordinal)
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    };

    private readonly IStateStore _state;
    private readonly IBlobStore _blobs;
    private readonly TimeProvider _clock;
    private readonly IServiceClient _services;
    private readonly CodePackages _code;
    private readonly LambdaExecutor _executor;
    private readonly MiniHttpServer _codeServer;
    private readonly LogDelivery _logDelivery;
    private readonly byte[] _urlKey = RandomNumberGenerator.GetBytes(32);
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly string? _tempRoot;
    private int _disposed;

    /// <param name="dataDirectory">The durable data directory (packages unpack under &lt;dir&gt;/lambda/code), or null in
    /// in-memory mode: then a temp directory, removed at shutdown.</param>
    public LambdaProvider(IStateStore state, IBlobStore blobs, TimeProvider clock, IServiceClient services, string? dataDirectory)
    {
        _state = state;
        _blobs = blobs;
        _clock = clock;
        _services = services;
        string codeRoot;
        if (dataDirectory is null)
        {
            _tempRoot = Path.Combine(Path.GetTempPath(), $"gureum-lambda-{System.Environment.ProcessId}-{Guid.NewGuid():N}");
            codeRoot = Path.Combine(_tempRoot, "code");
        }
        else
        {
            codeRoot = Path.Combine(Path.GetFullPath(dataDirectory), "lambda", "code");
        }
        _code = new CodePackages(blobs, codeRoot);
        var idle = TimeSpan.FromSeconds(EnvInt("GUREUM_LAMBDA_IDLE_SECONDS", 300));
        _executor = new LambdaExecutor(clock, Path.Combine(AppContext.BaseDirectory, DefaultRuntimesFolder), idle,
            EnvInt("GUREUM_LAMBDA_CONCURRENCY", 1000));
        _codeServer = new MiniHttpServer(System.Net.IPAddress.Loopback, ServeCodeAsync);
        _logDelivery = new LogDelivery(services, clock);
        _ = Task.Run(ResumePollersAsync);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(System.Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;

    internal LambdaExecutor Executor => _executor;

    // ---- keys and names -------------------------------------------------------------------------

    private static string Table(RequestContext c) => Table(c.AccountId, c.Region);

    private static string Table(string account, string region) => $"lambda/functions/{account}/{region}";

    internal static string FunctionArn(RequestContext c, string name) => $"arn:aws:lambda:{c.Region}:{c.AccountId}:function:{name}";

    /// <summary>A FunctionName member: name, partial ARN (account:function:name) or ARN, each with an optional :qualifier.</summary>
    internal static (string Name, string? Qualifier) ParseName(RequestContext c, string input)
    {
        string rest;
        if (input.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = input.Split(':');
            if (parts.Length < 7 || parts[2] != "lambda" || parts[5] != "function")
            {
                throw LambdaErrors.InvalidParameter($"1 validation error detected: Value '{input}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern");
            }
            if (parts[3] != c.Region)
            {
                throw LambdaErrors.InvalidParameter($"Functions from '{parts[3]}' are not reachable in this region ('{c.Region}')");
            }
            return (parts[6], parts.Length > 7 ? parts[7] : null);
        }
        var idx = input.IndexOf(":function:", StringComparison.Ordinal);
        rest = idx >= 0 ? input[(idx + ":function:".Length)..] : input;
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (rest, null) : (rest[..colon], rest[(colon + 1)..]);
    }

    private async Task<FunctionRecord?> LoadAsync(RequestContext c, string name, CancellationToken ct)
    {
        var bytes = await _state.GetAsync(Table(c), name, ct).ConfigureAwait(false);
        return bytes is null ? null : JsonSerializer.Deserialize(bytes, LambdaJson.Default.FunctionRecord);
    }

    private async Task<FunctionRecord> RequireAsync(RequestContext c, string name, CancellationToken ct) =>
        await LoadAsync(c, name, ct).ConfigureAwait(false) ?? throw LambdaErrors.FunctionNotFound(FunctionArn(c, name));

    private async Task SaveAsync(RequestContext c, FunctionRecord record, CancellationToken ct)
    {
        var batch = new WriteBatch().Put(Table(c), record.Name, JsonSerializer.SerializeToUtf8Bytes(record, LambdaJson.Default.FunctionRecord));
        await _state.CommitAsync(batch, ct).ConfigureAwait(false);
    }

    private string Now() => _clock.GetUtcNow().ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);

    // ---- validation -----------------------------------------------------------------------------

    private static void CheckRuntime(string? runtime)
    {
        if (runtime is not null && DeprecatedRuntimes.Contains(runtime))
        {
            throw LambdaErrors.InvalidParameter($"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.");
        }
    }

    private static void CheckLimits(int? timeout, int? memory)
    {
        if (timeout is > 900)
        {
            throw LambdaErrors.Validation($"1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
        }
        if (memory is > 10240)
        {
            throw LambdaErrors.Validation("'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 10240");
        }
    }

    private static void CheckEnvironment(Dictionary<string, string>? variables)
    {
        if (variables is null)
        {
            return;
        }
        var reserved = variables.Keys.Where(ReservedVariables.Contains).ToList();
        if (reserved.Count > 0)
        {
            throw LambdaErrors.InvalidParameter($"Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {string.Join(", ", reserved)}");
        }
        var measured = JsonSerializer.Serialize(variables, LambdaJson.Default.DictionaryStringString);
        if (Encoding.UTF8.GetByteCount(measured) > 4096)
        {
            throw LambdaErrors.InvalidParameter($"Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {measured}");
        }
    }

    private static void CheckArchitectures(List<string>? architectures)
    {
        if (architectures is { Count: > 1 })
        {
            throw LambdaErrors.Validation($"1 validation error detected: Value '[{string.Join(", ", architectures)}]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1");
        }
    }

    /// <summary>The zip from the request (inline or an S3 object, read through S3's API).</summary>
    private async Task<byte[]> ReadCodeAsync(RequestContext c, byte[]? zipFile, string? bucket, string? key, string? version, string? imageUri, CancellationToken ct)
    {
        if (imageUri is not null)
        {
            throw LambdaErrors.InvalidParameter("Gureum runs functions as local processes and cannot run container image packages (PackageType Image). Use a .zip deployment package.");
        }
        if (zipFile is not null)
        {
            if (bucket is not null || key is not null)
            {
                throw LambdaErrors.InvalidParameter("Please do not provide other FunctionCode parameters when providing a ZipFile.");
            }
            return zipFile;
        }
        if (bucket is null || key is null)
        {
            throw LambdaErrors.InvalidParameter("Please provide a source for function code.");
        }
        var input = new Dictionary<string, object?>(StringComparer.Ordinal) { ["Bucket"] = bucket, ["Key"] = key };
        if (version is not null)
        {
            input["VersionId"] = version;
        }
        try
        {
            var output = await _services.InvokeAsync(new ServiceCall("s3", "GetObject", input, c.AccountId, c.Region,
                ServiceCall.ServicePrincipal("lambda.amazonaws.com", c.AccountId), c.BaseUrl), ct).ConfigureAwait(false);
            if (output?.GetValueOrDefault("Body") is not Stream body)
            {
                return [];
            }
            await using (body.ConfigureAwait(false))
            {
                var buffer = new MemoryStream();
                await body.CopyToAsync(buffer, ct).ConfigureAwait(false);
                return buffer.ToArray();
            }
        }
        catch (AwsServiceException e)
        {
            throw LambdaErrors.InvalidParameter($"Error occurred while GetObject. S3 Error Code: {e.Code}. S3 Error Message: {e.Message}");
        }
    }

    // ---- configuration shapes --------------------------------------------------------------------

    internal FunctionConfiguration ToConfiguration(RequestContext c, FunctionRecord f, VersionConfig v, bool qualifyLatest = false)
    {
        var arn = FunctionArn(c, f.Name);
        return new FunctionConfiguration
        {
            FunctionName = f.Name,
            FunctionArn = v.Version == "$LATEST" && !qualifyLatest ? arn : $"{arn}:{v.Version}",
            Runtime = v.Runtime,
            Role = v.Role,
            Handler = v.Handler,
            CodeSize = v.CodeSize,
            Description = v.Description,
            Timeout = v.Timeout,
            MemorySize = v.MemorySize,
            LastModified = v.LastModified,
            CodeSha256 = v.CodeSha256,
            Version = v.Version,
            Environment = v.Environment is null ? null : new EnvironmentResponse { Variables = new Dictionary<string, string>(v.Environment) },
            TracingConfig = new TracingConfigResponse { Mode = v.TracingMode },
            DeadLetterConfig = v.DeadLetterTarget is null ? null : new DeadLetterConfig { TargetArn = v.DeadLetterTarget },
            KMSKeyArn = v.KmsKeyArn,
            RevisionId = v.RevisionId,
            State = "Active",
            LastUpdateStatus = "Successful",
            PackageType = "Zip",
            Architectures = [.. v.Architectures],
            EphemeralStorage = new EphemeralStorage { Size = v.EphemeralStorage },
            SnapStart = new SnapStartResponse { ApplyOn = "None", OptimizationStatus = "Off" },
            RuntimeVersionConfig = new RuntimeVersionConfig
            {
                RuntimeVersionArn = $"arn:aws:lambda:{c.Region}::runtime:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(v.Runtime)))}",
            },
            LoggingConfig = new LoggingConfig
            {
                LogFormat = v.LogFormat,
                LogGroup = v.LogGroup ?? $"/aws/lambda/{f.Name}",
                ApplicationLogLevel = v.ApplicationLogLevel,
                SystemLogLevel = v.SystemLogLevel,
            },
        };
    }

    private static void ApplyLogging(VersionConfig v, LoggingConfig? logging)
    {
        if (logging is null)
        {
            return;
        }
        v.LogFormat = logging.LogFormat ?? v.LogFormat;
        v.LogGroup = logging.LogGroup ?? v.LogGroup;
        if (v.LogFormat == "JSON")
        {
            v.ApplicationLogLevel = logging.ApplicationLogLevel ?? v.ApplicationLogLevel ?? "INFO";
            v.SystemLogLevel = logging.SystemLogLevel ?? v.SystemLogLevel ?? "INFO";
        }
        else
        {
            v.ApplicationLogLevel = null;
            v.SystemLogLevel = null;
        }
    }

    // ---- operations ----------------------------------------------------------------------------

    public override async ValueTask<FunctionConfiguration> CreateFunctionAsync(RequestContext context, CreateFunctionRequest request, CancellationToken ct)
    {
        var name = request.FunctionName!;
        var (parsedName, qualifier) = ParseName(context, name);
        if (qualifier is not null || parsedName.Length > 64)
        {
            throw LambdaErrors.Validation($"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
        }
        name = parsedName;
        if (request.PackageType == "Image" || request.Code?.ImageUri is not null)
        {
            throw LambdaErrors.InvalidParameter("Gureum runs functions as local processes and cannot run container image packages (PackageType Image). Use a .zip deployment package.");
        }
        if (string.IsNullOrEmpty(request.Runtime) || string.IsNullOrEmpty(request.Handler))
        {
            throw LambdaErrors.InvalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.");
        }
        CheckRuntime(request.Runtime);
        CheckLimits(request.Timeout, request.MemorySize);
        CheckEnvironment(request.Environment?.Variables);
        CheckArchitectures(request.Architectures);
        var code = request.Code!;
        var zip = await ReadCodeAsync(context, code.ZipFile, code.S3Bucket, code.S3Key, code.S3ObjectVersion, code.ImageUri, ct).ConfigureAwait(false);
        var sha = CodePackages.Validate(zip);
        if (await LoadAsync(context, name, ct).ConfigureAwait(false) is not null)
        {
            throw LambdaErrors.Conflict($"Function already exist: {name}");
        }
        var blob = await _code.StoreAsync(zip, ct).ConfigureAwait(false);
        var latest = new VersionConfig
        {
            Runtime = request.Runtime!,
            Role = request.Role!,
            Handler = request.Handler!,
            Description = request.Description ?? "",
            Timeout = request.Timeout ?? 3,
            MemorySize = request.MemorySize ?? 128,
            Environment = request.Environment?.Variables is { } vars ? new Dictionary<string, string>(vars, StringComparer.Ordinal) : null,
            Architectures = request.Architectures is { Count: > 0 } a ? [.. a] : ["x86_64"],
            EphemeralStorage = request.EphemeralStorage?.Size ?? 512,
            TracingMode = request.TracingConfig?.Mode ?? "PassThrough",
            DeadLetterTarget = string.IsNullOrEmpty(request.DeadLetterConfig?.TargetArn) ? null : request.DeadLetterConfig!.TargetArn,
            KmsKeyArn = request.KMSKeyArn,
            CodeBlob = blob.Id,
            CodeSha256 = sha,
            CodeSize = zip.LongLength,
            LastModified = Now(),
            RevisionId = Guid.NewGuid().ToString(),
            Created = _clock.GetUtcNow(),
        };
        ApplyLogging(latest, request.LoggingConfig);
        var record = new FunctionRecord { Name = name, Latest = latest, Tags = request.Tags ?? [] };
        FunctionConfiguration result;
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var batch = new WriteBatch()
                .RequireAbsent(Table(context), name);
            VersionConfig? published = null;
            if (request.Publish == true)
            {
                published = latest.Clone();
                published.Version = "1";
                published.RevisionId = Guid.NewGuid().ToString();
                record.Versions.Add(published);
                record.NextVersion = 2;
            }
            batch.Put(Table(context), name, JsonSerializer.SerializeToUtf8Bytes(record, LambdaJson.Default.FunctionRecord));
            if (!await _state.CommitAsync(batch, ct).ConfigureAwait(false))
            {
                await _blobs.DeleteAsync(blob.Id, CancellationToken.None).ConfigureAwait(false);
                throw LambdaErrors.Conflict($"Function already exist: {name}");
            }
            result = ToConfiguration(context, record, published ?? latest);
        }
        finally
        {
            _write.Release();
        }
        result.State = "Pending";
        result.StateReason = "The function is being created.";
        result.StateReasonCode = "Creating";
        result.LastUpdateStatus = null;
        return result;
    }

    public override async ValueTask<GetFunctionResponse> GetFunctionAsync(RequestContext context, GetFunctionRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        var v = ResolveVersion(context, f, qualifier, out _);
        var config = ToConfiguration(context, f, v);
        if (qualifier is not null && qualifier != "$LATEST" && !IsVersionNumber(qualifier))
        {
            config.FunctionArn = $"{FunctionArn(context, name)}:{qualifier}";
        }
        return new GetFunctionResponse
        {
            Configuration = config,
            Code = new FunctionCodeLocation { RepositoryType = "S3", Location = CodeUrl(context, name, v) },
            Tags = f.Tags.Count > 0 ? new Dictionary<string, string>(f.Tags) : null,
            Concurrency = f.ReservedConcurrency is { } r ? new Concurrency { ReservedConcurrentExecutions = r } : null,
        };
    }

    public override async ValueTask<FunctionConfiguration> GetFunctionConfigurationAsync(RequestContext context, GetFunctionConfigurationRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        var v = ResolveVersion(context, f, qualifier, out _);
        var config = ToConfiguration(context, f, v);
        if (qualifier is not null && qualifier != "$LATEST" && !IsVersionNumber(qualifier))
        {
            config.FunctionArn = $"{FunctionArn(context, name)}:{qualifier}";
        }
        return config;
    }

    public override async ValueTask<ListFunctionsResponse> ListFunctionsAsync(RequestContext context, ListFunctionsRequest request, CancellationToken ct)
    {
        var max = request.MaxItems ?? 50;
        if (max is < 1 or > 10000)
        {
            throw LambdaErrors.InvalidParameter("1 validation error detected: Value '" + max + "' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000");
        }
        max = Math.Min(max, 50);
        var all = request.FunctionVersion == "ALL";
        var start = DecodeMarker(request.Marker);
        var functions = new List<FunctionConfiguration>();
        string? next = null;
        await foreach (var (key, value) in _state.ScanAsync(Table(context), ScanRange.All, ct).ConfigureAwait(false))
        {
            var f = JsonSerializer.Deserialize(value, LambdaJson.Default.FunctionRecord)!;
            var entries = new List<FunctionConfiguration> { ToConfiguration(context, f, f.Latest, qualifyLatest: all) };
            if (all)
            {
                entries.AddRange(f.Versions.Select(v => ToConfiguration(context, f, v)));
            }
            for (var i = 0; i < entries.Count; i++)
            {
                var position = $"{key}\n{i:D8}";
                if (start is not null && string.CompareOrdinal(position, start) < 0)
                {
                    continue;
                }
                if (functions.Count == max)
                {
                    next = EncodeMarker(position);
                    break;
                }
                functions.Add(entries[i]);
            }
            if (next is not null)
            {
                break;
            }
        }
        return new ListFunctionsResponse { Functions = functions, NextMarker = next };
    }

    internal static string EncodeMarker(string position) => Convert.ToBase64String(Encoding.UTF8.GetBytes(position));

    internal static string? DecodeMarker(string? marker)
    {
        if (string.IsNullOrEmpty(marker))
        {
            return null;
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(marker));
        }
        catch (FormatException)
        {
            throw LambdaErrors.InvalidParameter("Invalid marker: " + marker);
        }
    }

    public override async ValueTask<FunctionConfiguration> UpdateFunctionCodeAsync(RequestContext context, UpdateFunctionCodeRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        _ = await RequireAsync(context, name, ct).ConfigureAwait(false);
        CheckArchitectures(request.Architectures);
        var zip = await ReadCodeAsync(context, request.ZipFile, request.S3Bucket, request.S3Key, request.S3ObjectVersion, request.ImageUri, ct).ConfigureAwait(false);
        var sha = CodePackages.Validate(zip);
        var blob = request.DryRun == true ? null : await _code.StoreAsync(zip, ct).ConfigureAwait(false);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            if (request.RevisionId is not null && request.RevisionId != f.Latest.RevisionId)
            {
                throw LambdaErrors.RevisionMismatch();
            }
            var latest = f.Latest.Clone();
            latest.CodeSha256 = sha;
            latest.CodeSize = zip.LongLength;
            if (request.Architectures is { Count: 1 })
            {
                latest.Architectures = [.. request.Architectures];
            }
            if (request.DryRun == true)
            {
                return ToConfiguration(context, f, latest);
            }
            var oldBlob = f.Latest.CodeBlob;
            latest.CodeBlob = blob!.Id;
            latest.LastModified = Now();
            latest.RevisionId = Guid.NewGuid().ToString();
            f.Latest = latest;
            VersionConfig? published = null;
            if (request.Publish == true)
            {
                published = PublishLocked(f, null);
            }
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            if (f.Versions.All(v => v.CodeBlob != oldBlob))
            {
                await DropCodeAsync(oldBlob).ConfigureAwait(false);
            }
            _executor.Retire($"{context.AccountId}/{context.Region}/{name}/$LATEST/");
            var result = ToConfiguration(context, f, published ?? latest);
            result.LastUpdateStatus = "InProgress";
            result.LastUpdateStatusReason = "The function is being created.";
            result.LastUpdateStatusReasonCode = "Creating";
            return result;
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<FunctionConfiguration> UpdateFunctionConfigurationAsync(RequestContext context, UpdateFunctionConfigurationRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        CheckRuntime(request.Runtime);
        CheckLimits(request.Timeout, request.MemorySize);
        CheckEnvironment(request.Environment?.Variables);
        if (request.ImageConfig is not null)
        {
            throw LambdaErrors.InvalidParameter("Please don't provide ImageConfig when updating a function with a package type of Zip.");
        }
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            if (request.RevisionId is not null && request.RevisionId != f.Latest.RevisionId)
            {
                throw LambdaErrors.RevisionMismatch();
            }
            var v = f.Latest.Clone();
            v.Role = request.Role ?? v.Role;
            v.Handler = request.Handler ?? v.Handler;
            v.Description = request.Description ?? v.Description;
            v.Timeout = request.Timeout ?? v.Timeout;
            v.MemorySize = request.MemorySize ?? v.MemorySize;
            v.Runtime = request.Runtime ?? v.Runtime;
            if (request.Environment is not null)
            {
                v.Environment = request.Environment.Variables is { Count: > 0 } vars ? new Dictionary<string, string>(vars, StringComparer.Ordinal) : null;
            }
            if (request.EphemeralStorage?.Size is { } size)
            {
                v.EphemeralStorage = size;
            }
            if (request.TracingConfig?.Mode is { } mode)
            {
                v.TracingMode = mode;
            }
            if (request.DeadLetterConfig is not null)
            {
                v.DeadLetterTarget = string.IsNullOrEmpty(request.DeadLetterConfig.TargetArn) ? null : request.DeadLetterConfig.TargetArn;
            }
            if (request.KMSKeyArn is not null)
            {
                v.KmsKeyArn = request.KMSKeyArn.Length == 0 ? null : request.KMSKeyArn;
            }
            ApplyLogging(v, request.LoggingConfig);
            v.LastModified = Now();
            v.RevisionId = Guid.NewGuid().ToString();
            f.Latest = v;
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            _executor.Retire($"{context.AccountId}/{context.Region}/{name}/$LATEST/");
            var result = ToConfiguration(context, f, v);
            result.LastUpdateStatus = "InProgress";
            result.LastUpdateStatusReason = "The function is being created.";
            result.LastUpdateStatusReasonCode = "Creating";
            return result;
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<DeleteFunctionResponse> DeleteFunctionAsync(RequestContext context, DeleteFunctionRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            if (qualifier is null)
            {
                await _state.CommitAsync(new WriteBatch().Delete(Table(context), name), ct).ConfigureAwait(false);
                foreach (var blob in f.Versions.Select(v => v.CodeBlob).Append(f.Latest.CodeBlob).Distinct())
                {
                    await DropCodeAsync(blob).ConfigureAwait(false);
                }
                _executor.Retire($"{context.AccountId}/{context.Region}/{name}/");
                return new DeleteFunctionResponse { StatusCode = 204 };
            }
            if (qualifier == "$LATEST")
            {
                throw LambdaErrors.InvalidParameter("$LATEST version cannot be deleted without deleting the function.");
            }
            var version = f.Versions.FirstOrDefault(v => v.Version == qualifier)
                ?? throw LambdaErrors.FunctionNotFound($"{FunctionArn(context, name)}:{qualifier}");
            var users = f.Aliases.Values.Where(a => a.FunctionVersion == qualifier || (a.AdditionalVersionWeights?.ContainsKey(qualifier) ?? false)).ToList();
            if (users.Count > 0)
            {
                throw LambdaErrors.Conflict($"Unable to delete version because the following aliases reference it: [{string.Join(", ", users.Select(a => a.Name))}]");
            }
            f.Versions.Remove(version);
            f.Policies.Remove(qualifier);
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            if (f.Latest.CodeBlob != version.CodeBlob && f.Versions.All(v => v.CodeBlob != version.CodeBlob))
            {
                await DropCodeAsync(version.CodeBlob).ConfigureAwait(false);
            }
            _executor.Retire($"{context.AccountId}/{context.Region}/{name}/{qualifier}/");
            return new DeleteFunctionResponse { StatusCode = 204 };
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task DropCodeAsync(string blobId)
    {
        _code.Remove(blobId);
        await _blobs.DeleteAsync(blobId, CancellationToken.None).ConfigureAwait(false);
    }

    public override async ValueTask<GetAccountSettingsResponse> GetAccountSettingsAsync(RequestContext context, GetAccountSettingsRequest request, CancellationToken ct)
    {
        long count = 0, size = 0;
        await foreach (var (_, value) in _state.ScanAsync(Table(context), ScanRange.All, ct).ConfigureAwait(false))
        {
            var f = JsonSerializer.Deserialize(value, LambdaJson.Default.FunctionRecord)!;
            count++;
            size += f.Latest.CodeSize + f.Versions.Sum(v => v.CodeSize);
        }
        return new GetAccountSettingsResponse
        {
            AccountLimit = new AccountLimit
            {
                TotalCodeSize = 80530636800,
                CodeSizeUnzipped = 262144000,
                CodeSizeZipped = 52428800,
                ConcurrentExecutions = _executor.AccountConcurrency,
                UnreservedConcurrentExecutions = _executor.AccountConcurrency,
            },
            AccountUsage = new AccountUsage { TotalCodeSize = size, FunctionCount = count },
        };
    }

    // ---- code download URLs --------------------------------------------------------------------

    private string CodeUrl(RequestContext c, string name, VersionConfig v)
    {
        var expires = _clock.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds();
        var path = $"/snapshots/{c.AccountId}/{name}-{v.CodeBlob}";
        var signature = Sign($"{path}\n{v.CodeBlob}\n{expires}");
        return $"http://127.0.0.1:{_codeServer.Port}{path}?blob={v.CodeBlob}&Expires={expires}&Signature={signature}";
    }

    private string Sign(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_urlKey, Encoding.UTF8.GetBytes(text)));

    private Task<MiniResponse> ServeCodeAsync(MiniRequest request, CancellationToken ct)
    {
        var query = request.Query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);
        if (request.Method is not ("GET" or "HEAD")
            || !query.TryGetValue("blob", out var blob) || !query.TryGetValue("Expires", out var expires) || !query.TryGetValue("Signature", out var signature)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign($"{request.Path}\n{blob}\n{expires}")), Encoding.ASCII.GetBytes(signature)))
        {
            return Task.FromResult(Xml(403, "AccessDenied", "Access Denied"));
        }
        if (!long.TryParse(expires, out var exp) || _clock.GetUtcNow().ToUnixTimeSeconds() > exp)
        {
            return Task.FromResult(Xml(403, "AccessDenied", "Request has expired"));
        }
        try
        {
            var stream = _code.OpenZip(blob);
            var response = new MiniResponse { Status = 200, BodyStream = request.Method == "HEAD" ? null : stream, Body = request.Method == "HEAD" ? [] : null };
            response.Headers["Content-Type"] = "application/zip";
            if (request.Method == "HEAD")
            {
                stream.Dispose();
            }
            return Task.FromResult(response);
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult(Xml(404, "NoSuchKey", "The specified key does not exist."));
        }
    }

    private static MiniResponse Xml(int status, string code, string message)
    {
        var response = new MiniResponse
        {
            Status = status,
            Body = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"),
        };
        response.Headers["Content-Type"] = "application/xml";
        return response;
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    public ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        _executor.Retire("");
        _logDelivery.Forget();
        foreach (var uuid in _pollers.Keys)
        {
            if (_pollers.TryRemove(uuid, out var cts))
            {
                cts.Cancel();
            }
        }
        foreach (var dir in Directory.Exists(_code.Root) ? Directory.GetDirectories(_code.Root) : [])
        {
            CodePackages.TryDelete(dir);
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _executor.Dispose();
        _codeServer.Dispose();
        _logDelivery.Dispose();
        if (_tempRoot is not null)
        {
            CodePackages.TryDelete(_tempRoot);
        }
    }
}
