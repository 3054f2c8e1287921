namespace RunDashboard.Configuration;

/// <summary>Who may change data.</summary>
public enum AuthMode
{
    /// <summary>Anyone who reaches the port: for a dashboard on your own machine, listening on localhost.</summary>
    None,

    /// <summary>Writes (and reads, with <c>Auth:ReadRequiresToken</c>) need one of the configured tokens.</summary>
    Token,
}
