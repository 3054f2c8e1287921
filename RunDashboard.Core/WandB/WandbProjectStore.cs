using LiteDB;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.WandB;

/// <summary>The projects people added on the /sync page and the last result of each, kept in the dashboard's database.</summary>
public sealed class WandbProjectStore(RunStore store)
{
    private IDocumentCollection Projects => store.Documents("wandb_projects");

    public IReadOnlyList<string> List() => Projects.FindAll().Select(d => d["_id"].AsString).Order(StringComparer.Ordinal).ToList();

    public void Add(string project) => Projects.Upsert(new BsonDocument { ["_id"] = project, ["AddedAt"] = DateTime.UtcNow });

    public void Remove(string project) => Projects.Delete(project);

    public void SaveResult(ProjectSyncResult result)
    {
        var doc = Projects.FindById(result.Project) ?? new BsonDocument { ["_id"] = result.Project, ["AddedAt"] = DateTime.UtcNow };
        doc["Result"] = BsonMapper.Global.ToDocument(result);
        Projects.Upsert(doc);
    }

    public ProjectSyncResult? LastResult(string project) =>
        Projects.FindById(project) is { } doc && doc.TryGetValue("Result", out var r) && r.IsDocument
            ? BsonMapper.Global.ToObject<ProjectSyncResult>(r.AsDocument) : null;
}
