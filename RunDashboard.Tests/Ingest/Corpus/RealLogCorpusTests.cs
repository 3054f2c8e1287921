using Xunit.Abstractions;

namespace RunDashboard.Tests.Ingest.Corpus;

/// <summary>
/// Every real log of the corpus imports with the runs, keys, steps and values a person reads in it. The "unseen" half
/// holds trainers the generic reader was not built against; both halves are checked and their table printed.
/// Files listed in <see cref="KnownGaps"/> do not read as expected yet: they must still import, and the table says
/// what differs, so a fix shows up as a file leaving that list.
/// </summary>
public sealed class RealLogCorpusTests(ITestOutputHelper output)
{
    /// <summary>Files whose reading still differs from the expected one, with the reason found.</summary>
    public static readonly IReadOnlyDictionary<string, string> KnownGaps = new Dictionary<string, string>
    {
    };

    public static TheoryData<string> Seen() => Files("seen");

    public static TheoryData<string> Unseen() => Files("unseen");

    private static TheoryData<string> Files(string half)
    {
        var data = new TheoryData<string>();
        foreach (var f in RealLogCorpus.Load(half)) data.Add(f.File);
        return data;
    }

    [Theory]
    [MemberData(nameof(Seen))]
    [MemberData(nameof(Unseen))]
    public void Imports_as_a_person_reads_it(string file)
    {
        var expected = RealLogCorpus.Load(file.StartsWith("unseen/") ? "unseen" : "seen").Single(f => f.File == file);
        var outcome = RealLogCorpus.Read(expected);
        output.WriteLine(RealLogCorpus.Table([outcome]));
        foreach (var m in outcome.Mismatches) output.WriteLine("  " + m);

        if (KnownGaps.ContainsKey(file))
        {
            // A known gap still imports (no crash, no refusal); once it reads as expected it leaves the list.
            Assert.True(outcome.Import.Succeeded, outcome.Import.Error);
            Assert.False(outcome.Passed, $"{file} now reads as expected: remove it from KnownGaps");
            return;
        }
        Assert.True(outcome.Passed, string.Join(Environment.NewLine, outcome.Mismatches));
    }

    [Fact]
    public void Prints_the_corpus_table()
    {
        var outcomes = RealLogCorpus.Load("seen").Concat(RealLogCorpus.Load("unseen")).Select(RealLogCorpus.Read).ToList();
        output.WriteLine(RealLogCorpus.Table(outcomes));
        var seen = outcomes.Where(o => o.Expected.File.StartsWith("seen/")).ToList();
        var unseen = outcomes.Where(o => o.Expected.File.StartsWith("unseen/")).ToList();
        output.WriteLine($"seen: {seen.Count(o => o.Passed)}/{seen.Count} as expected; unseen: {unseen.Count(o => o.Passed)}/{unseen.Count} as expected");

        Assert.True(outcomes.Count >= 30, "the corpus has at least 30 real logs");
        Assert.True(outcomes.Select(o => o.Expected.Trainer).Distinct().Count() >= 12, "from at least 12 trainers");
        Assert.All(outcomes.Where(o => !KnownGaps.ContainsKey(o.Expected.File)), o => Assert.True(o.Passed, o.Expected.File));
    }
}
