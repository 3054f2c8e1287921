using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Short links to full dashboard URLs with their state. Codes are 12 random characters (60 bits): not worth
/// enumerating to find private runs. Only dashboard paths are stored, so a code can never redirect elsewhere.
/// </summary>
public sealed class ShortLinks(RunStore store)
{
    private static readonly string[] AllowedPrefixes = ["/runs/", "/compare", "/?", "/"];

    private IDocumentCollection Links => store.Documents("links");

    /// <summary>Stores <paramref name="pathAndQuery"/> (e.g. <c>/compare?runs=a,b&amp;smooth=0.8</c>) and returns its code; the same URL gets the same code.</summary>
    public string Create(string pathAndQuery)
    {
        if (!IsDashboardPath(pathAndQuery)) throw new ArgumentException($"not a dashboard path: '{pathAndQuery}'", nameof(pathAndQuery));
        var existing = Links.FindOne("Url", pathAndQuery);
        if (existing is not null) return existing["_id"].AsString;
        var code = RunIds.New();
        Links.Upsert(new BsonDocument { ["_id"] = code, ["Url"] = pathAndQuery, ["CreatedAt"] = DateTime.UtcNow });
        return code;
    }

    public string? Resolve(string code) => Links.FindById(code)?["Url"].AsString;

    public static bool IsDashboardPath(string path) =>
        path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && !path.Contains('\\')
        && AllowedPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal)) && Uri.IsWellFormedUriString(path, UriKind.Relative);
}
