namespace RunDashboard.Core.Ingest.Generic;

/// <summary>
/// One number of a log line with the label a reader would give it: <c>loss: 2.3</c> → ("loss", 2.3);
/// <c>step 1/74</c> → ("step", 1, total 74); <c>120ms</c> → unit <c>ms</c>. <see cref="Label"/> is empty when the
/// line printed the number without a name.
/// </summary>
public readonly record struct LineField(string Label, double Value, string Unit, long? Total, bool Integral)
{
    public bool HasLabel => Label.Length > 0;

    /// <summary>The number stood alone in parentheses, "Loss: 6.615 ( 6.691)": loggers put a running mean there.</summary>
    public bool Parenthesized { get; init; }
}
