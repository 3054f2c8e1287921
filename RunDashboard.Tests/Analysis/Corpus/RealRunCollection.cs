namespace RunDashboard.Tests.Analysis.Corpus;

/// <summary>The corpus is imported once for every test class in this collection (importing it takes seconds).</summary>
[CollectionDefinition(Name)]
public sealed class RealRunCollection : ICollectionFixture<RealRunStore>
{
    public const string Name = "real runs";
}
