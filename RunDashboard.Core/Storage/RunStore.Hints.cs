using LiteDB;
using RunDashboard.Core.Ingest;

namespace RunDashboard.Core.Storage;

/// <summary>Reading hints remembered per project: the next upload to the project is read the same way.</summary>
public sealed partial class RunStore
{
    private const string HintsCollection = "reading_hints";

    public ReadingHints? GetReadingHints(string project)
    {
        var doc = Documents(HintsCollection).FindById(project);
        if (doc is null) return null;
        var renames = doc["Renames"].AsDocument.ToDictionary(kv => kv.Key, kv => kv.Value.AsString, StringComparer.OrdinalIgnoreCase);
        return new ReadingHints(doc["StepField"].IsNull ? null : doc["StepField"].AsString, renames);
    }

    public void SaveReadingHints(string project, ReadingHints hints)
    {
        var renames = new BsonDocument();
        foreach (var (from, to) in hints.Renames) renames[from] = to;
        Documents(HintsCollection).Upsert(new BsonDocument
        {
            ["_id"] = project,
            ["StepField"] = string.IsNullOrWhiteSpace(hints.StepField) ? BsonValue.Null : hints.StepField,
            ["Renames"] = renames,
        });
    }
}
