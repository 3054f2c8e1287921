namespace RunDashboard.Core.WandB;

/// <summary>Why W&amp;B could not be read, in words a user can act on. Never contains the API key.</summary>
public sealed class WandbException(WandbError kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public WandbError Kind { get; } = kind;
}

public enum WandbError
{
    /// <summary>401/403: the key is missing, wrong or lacks access. Not retried.</summary>
    Unauthorized,

    /// <summary>A 200 whose body carries GraphQL <c>errors</c> (a project that does not exist, a bad query).</summary>
    GraphQl,

    /// <summary>A body that is not the JSON expected.</summary>
    BadResponse,

    /// <summary>5xx/network trouble that outlasted the retries, or the circuit is open.</summary>
    Unavailable,

    /// <summary>429s that outlasted the tries or the round's wait budget: the next round resumes where this one stopped.</summary>
    RateLimited,
}
