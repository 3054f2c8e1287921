using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>What pages read and remove of single runs and of the uploads they came from; the list of runs is <see cref="RunCatalog"/>.</summary>
public sealed class RunService(RunStore store)
{
    public Run? Get(string id) => store.GetRun(id);

    /// <summary>The runs of the given ids that exist, in the given order, each once.</summary>
    public IReadOnlyList<Run> Get(IEnumerable<string> ids) => ids.Distinct(StringComparer.Ordinal).Select(store.GetRun).OfType<Run>().ToList();

    /// <summary>Deletes a run with its series and events; false when there was no such run.</summary>
    public bool Delete(string id) => store.DeleteRun(id);

    /// <summary>Every stored upload, oldest first.</summary>
    public IReadOnlyList<UploadRecord> Uploads() => store.Uploads.List();

    /// <summary>Deletes an upload with the runs made from it; the deleted run ids, or null when there was no such upload.</summary>
    public IReadOnlyList<string>? DeleteUpload(string id) => store.DeleteUpload(id);
}
