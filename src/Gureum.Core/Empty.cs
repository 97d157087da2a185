namespace Gureum.Core;

/// <summary>Input or output of an operation whose model declares none.</summary>
public sealed class Empty
{
    public static readonly Empty Instance = new();
}
