using System.Text.Json;
using Gureum.Api.Lambda;
using Gureum.Core;

namespace Gureum.Services.Lambda;

/// <summary>Published versions and aliases (with weighted routing).</summary>
public sealed partial class LambdaProvider
{
    internal static bool IsVersionNumber(string qualifier) => qualifier.Length > 0 && qualifier.All(char.IsAsciiDigit);

    /// <summary>The version a qualifier names: null/$LATEST, a version number, or an alias (weights applied).</summary>
    internal static VersionConfig ResolveVersion(RequestContext c, FunctionRecord f, string? qualifier, out string? alias)
    {
        alias = null;
        if (qualifier is null or "$LATEST")
        {
            return f.Latest;
        }
        if (IsVersionNumber(qualifier))
        {
            return f.Versions.FirstOrDefault(v => v.Version == qualifier)
                ?? throw LambdaErrors.FunctionNotFound($"{FunctionArn(c, f.Name)}:{qualifier}");
        }
        if (!f.Aliases.TryGetValue(qualifier, out var a))
        {
            throw LambdaErrors.FunctionNotFound($"{FunctionArn(c, f.Name)}:{qualifier}");
        }
        alias = a.Name;
        var version = a.FunctionVersion;
        if (a.AdditionalVersionWeights is { Count: > 0 } weights)
        {
            var roll = Random.Shared.NextDouble();
            foreach (var (v, weight) in weights)
            {
                if (roll < weight)
                {
                    version = v;
                    break;
                }
                roll -= weight;
            }
        }
        return version == "$LATEST" ? f.Latest : f.Versions.FirstOrDefault(v => v.Version == version) ?? f.Latest;
    }

    /// <summary>Publishes $LATEST unless it is unchanged since the last version (then that version is returned).</summary>
    private static VersionConfig PublishLocked(FunctionRecord f, string? description)
    {
        var fingerprint = f.Latest.Fingerprint();
        var last = f.Versions.LastOrDefault();
        if (last is not null && last.Fingerprint() == fingerprint)
        {
            return last;
        }
        var published = f.Latest.Clone();
        published.Version = f.NextVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        published.Description = description ?? f.Latest.Description;
        published.RevisionId = Guid.NewGuid().ToString();
        f.NextVersion++;
        f.Versions.Add(published);
        return published;
    }

    public override async ValueTask<FunctionConfiguration> PublishVersionAsync(RequestContext context, PublishVersionRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            if (request.CodeSha256 is not null && request.CodeSha256 != f.Latest.CodeSha256)
            {
                throw LambdaErrors.InvalidParameter($"CodeSHA256 ({request.CodeSha256}) is different from current CodeSHA256 in $LATEST ({f.Latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.");
            }
            if (request.RevisionId is not null && request.RevisionId != f.Latest.RevisionId)
            {
                throw LambdaErrors.RevisionMismatch();
            }
            var count = f.Versions.Count;
            var version = PublishLocked(f, request.Description);
            if (f.Versions.Count != count)
            {
                await SaveAsync(context, f, ct).ConfigureAwait(false);
            }
            var result = ToConfiguration(context, f, version);
            return result;
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<ListVersionsByFunctionResponse> ListVersionsByFunctionAsync(RequestContext context, ListVersionsByFunctionRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        var all = new List<FunctionConfiguration> { ToConfiguration(context, f, f.Latest, qualifyLatest: true) };
        all.AddRange(f.Versions.Select(v => ToConfiguration(context, f, v)));
        var (page, next) = Page(all, request.Marker, request.MaxItems);
        return new ListVersionsByFunctionResponse { Versions = page, NextMarker = next };
    }

    private static (List<T> Page, string? Next) Page<T>(List<T> items, string? marker, int? maxItems)
    {
        var start = 0;
        if (DecodeMarker(marker) is { } m && !int.TryParse(m, out start))
        {
            throw LambdaErrors.InvalidParameter("Invalid marker: " + marker);
        }
        var max = Math.Clamp(maxItems ?? 50, 1, 10000);
        var page = items.Skip(start).Take(max).ToList();
        var next = start + max < items.Count ? EncodeMarker((start + max).ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
        return (page, next);
    }

    private AliasConfiguration ToAlias(RequestContext c, string function, AliasRecord a) => new()
    {
        AliasArn = $"{FunctionArn(c, function)}:{a.Name}",
        Name = a.Name,
        FunctionVersion = a.FunctionVersion,
        Description = a.Description,
        RoutingConfig = a.AdditionalVersionWeights is { Count: > 0 } w
            ? new AliasRoutingConfiguration { AdditionalVersionWeights = new Dictionary<string, double>(w) }
            : null,
        RevisionId = a.RevisionId,
    };

    private static void CheckAliasTargets(RequestContext c, FunctionRecord f, string version, AliasRoutingConfiguration? routing)
    {
        if (version != "$LATEST" && f.Versions.All(v => v.Version != version))
        {
            throw LambdaErrors.FunctionNotFound($"{FunctionArn(c, f.Name)}:{version}");
        }
        if (routing?.AdditionalVersionWeights is not { Count: > 0 } weights)
        {
            return;
        }
        if (weights.Count > 1)
        {
            throw LambdaErrors.InvalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
        }
        foreach (var (v, weight) in weights)
        {
            if (version == "$LATEST")
            {
                throw LambdaErrors.InvalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
            }
            if (v == version)
            {
                throw LambdaErrors.InvalidParameter($"Invalid function version {v}. Function version {v} is already included in routing configuration.");
            }
            if (f.Versions.All(x => x.Version != v))
            {
                throw LambdaErrors.FunctionNotFound($"{FunctionArn(c, f.Name)}:{v}");
            }
            if (weight is < 0 or > 1)
            {
                throw LambdaErrors.Validation($"1 validation error detected: Value '{{{v}={weight}}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]");
            }
        }
    }

    public override async ValueTask<AliasConfiguration> CreateAliasAsync(RequestContext context, CreateAliasRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            if (f.Aliases.ContainsKey(request.Name!))
            {
                throw LambdaErrors.Conflict($"Alias already exists: {FunctionArn(context, name)}:{request.Name}");
            }
            CheckAliasTargets(context, f, request.FunctionVersion!, request.RoutingConfig);
            var alias = new AliasRecord
            {
                Name = request.Name!,
                FunctionVersion = request.FunctionVersion!,
                Description = request.Description ?? "",
                AdditionalVersionWeights = request.RoutingConfig?.AdditionalVersionWeights is { Count: > 0 } w ? new(w) : null,
                RevisionId = Guid.NewGuid().ToString(),
            };
            f.Aliases[alias.Name] = alias;
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return ToAlias(context, name, alias);
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<AliasConfiguration> GetAliasAsync(RequestContext context, GetAliasRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        return f.Aliases.TryGetValue(request.Name!, out var a)
            ? ToAlias(context, name, a)
            : throw LambdaErrors.NotFound($"Cannot find alias arn: {FunctionArn(context, name)}:{request.Name}");
    }

    public override async ValueTask<ListAliasesResponse> ListAliasesAsync(RequestContext context, ListAliasesRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        var aliases = f.Aliases.Values
            .Where(a => request.FunctionVersion is null || a.FunctionVersion == request.FunctionVersion
                || (a.AdditionalVersionWeights?.ContainsKey(request.FunctionVersion) ?? false))
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => ToAlias(context, name, a)).ToList();
        var (page, next) = Page(aliases, request.Marker, request.MaxItems);
        return new ListAliasesResponse { Aliases = page, NextMarker = next };
    }

    public override async ValueTask<AliasConfiguration> UpdateAliasAsync(RequestContext context, UpdateAliasRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            if (!f.Aliases.TryGetValue(request.Name!, out var alias))
            {
                throw LambdaErrors.NotFound($"Alias not found: {FunctionArn(context, name)}:{request.Name}");
            }
            if (request.RevisionId is not null && request.RevisionId != alias.RevisionId)
            {
                throw LambdaErrors.RevisionMismatch();
            }
            var version = request.FunctionVersion ?? alias.FunctionVersion;
            var routing = request.RoutingConfig ?? (alias.AdditionalVersionWeights is { } w0 ? new AliasRoutingConfiguration { AdditionalVersionWeights = w0 } : null);
            CheckAliasTargets(context, f, version, routing);
            alias.FunctionVersion = version;
            alias.Description = request.Description ?? alias.Description;
            if (request.RoutingConfig is not null)
            {
                alias.AdditionalVersionWeights = request.RoutingConfig.AdditionalVersionWeights is { Count: > 0 } w ? new(w) : null;
            }
            alias.RevisionId = Guid.NewGuid().ToString();
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return ToAlias(context, name, alias);
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<Empty> DeleteAliasAsync(RequestContext context, DeleteAliasRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            if (f.Aliases.Remove(request.Name!))
            {
                f.Policies.Remove(request.Name!);
                await SaveAsync(context, f, ct).ConfigureAwait(false);
            }
            return Empty.Instance;
        }
        finally
        {
            _write.Release();
        }
    }
}
