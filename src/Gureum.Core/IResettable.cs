namespace Gureum.Core;

/// <summary>
/// A service that keeps state outside the state store (in-memory indexes, timers) drops it when
/// the server is reset (POST /_gureum/reset, /moto-api/reset), after the store itself was emptied.
/// </summary>
public interface IResettable
{
    ValueTask ResetAsync(CancellationToken cancellationToken);
}
