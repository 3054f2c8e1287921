using RunDashboard.Core.Ingest.Templates;

namespace RunDashboard.Core.Ingest.Generic;

/// <summary>
/// The reader for any trainer's text log: it learns the shapes of the lines from the stream
/// (<see cref="TemplateMiner"/>), keeps the shapes that repeat with name–number pairs, pairs each number with its
/// label (<see cref="LineFields"/>), takes the step from the field named like one (or, failing that, the integer
/// field that increases from line to line) and maps names to canonical keys. Lines with no step of their own
/// belong to the step printed before them; a one-off line after the last step is the run's summary.
/// Dedicated formats are tried first; this one is the fallback for trainers they do not know.
/// </summary>
public sealed class GenericTextFormat : LineLogFormat
{
    /// <summary>Below every dedicated format's own match, above the old step fallback.</summary>
    public const double Confidence = 0.45;

    public override string Name => "any-text";
    public override string Description => "Any trainer's text log (metric lines learned from their repeating shape)";

    public override FormatMatch Match(FileSample sample)
    {
        var probe = new GenericTextParser(null);
        var lineNumber = 0;
        foreach (var line in sample.Lines) probe.Line(line, ++lineNumber);
        var (lines, shapes, example) = probe.MetricLineCount();
        if (lines < 2) return FormatMatch.None;
        if (example.Length > 100) example = example[..100] + "…";
        return new FormatMatch(Confidence, $"{lines} sampled lines in {shapes} repeating shape{(shapes == 1 ? "" : "s")} pair names with numbers, e.g. \"{example}\"");
    }

    protected override bool ChecksDroppedLines => false;

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new GenericTextParser(context);
}
