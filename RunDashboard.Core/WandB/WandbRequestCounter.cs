namespace RunDashboard.Core.WandB;

/// <summary>Counts HTTP requests really sent to W&amp;B (retries included), so a sync can say what it cost.</summary>
public sealed class WandbRequestCounter
{
    private long _count;
    public long Count => Interlocked.Read(ref _count);
    internal void Increment() => Interlocked.Increment(ref _count);
}

/// <summary>Innermost handler: every attempt that reaches the wire is counted.</summary>
internal sealed class CountingHandler(WandbRequestCounter counter) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counter.Increment();
        return base.SendAsync(request, cancellationToken);
    }
}
