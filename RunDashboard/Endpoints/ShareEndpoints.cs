using System.Globalization;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using Microsoft.AspNetCore.Mvc;
using RunDashboard.Core.Model;
using RunDashboard.Previews;
using RunDashboard.ViewState;

namespace RunDashboard.Endpoints;

/// <summary>Preview images for unfurls and short links.</summary>
public static class ShareEndpoints
{
    public sealed record LinkRequest(string? Url);

    public static void MapShareEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/preview/runs/{file}", (string file, long? from, long? to, RunService runs, ShareCards cards, HttpContext http) =>
        {
            if (!file.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return ApiProblems.NotFound("previews are PNG: /preview/runs/{id}.png");
            var run = runs.Get(file[..^4]);
            if (run is null) return ApiProblems.NotFound($"no run with id '{file[..^4]}'");
            return Png(http, cards.RunPng(run, from, to));
        });
        // The query names are the compare page's own (CompareView.Names), so a page link's query is its preview's query.
        app.MapGet("/preview/compare.png", (
            [FromQuery(Name = CompareView.Names.Runs)] string? runs, [FromQuery(Name = CompareView.Names.Metric)] string? metric,
            [FromQuery(Name = CompareView.Names.Smooth)] double? smooth, [FromQuery(Name = CompareView.Names.Log)] bool? log,
            [FromQuery(Name = CompareView.Names.From)] double? from, [FromQuery(Name = CompareView.Names.To)] double? to,
            [FromQuery(Name = CompareView.Names.X)] string? x, [FromQuery(Name = CompareView.Names.Group)] string? group,
            [FromQuery(Name = CompareView.Names.Band)] string? band, ShareCards cards, HttpContext http) =>
        {
            var found = cards.Runs(runs);
            if (found.Count == 0) return ApiProblems.NotFound("no such runs; use ?runs=<id>,<id> as on the compare page");
            var view = new CompareView { Metric = metric is { Length: > 0 } m ? m : MetricKeys.TrainLoss, Smooth = smooth };
            return Png(http, cards.ComparePng(found, view.Metric, view.Smoothing, log ?? false, from, to, x, group, band == CompareView.StdBandValue));
        });

        app.MapPost("/api/links", (LinkRequest request, ShortLinks links, ShareCards cards, HttpRequest http) =>
        {
            var path = ToPath(request.Url);
            if (path is null || !ShortLinks.IsDashboardPath(path))
            {
                return ApiProblems.BadRequest("Not a dashboard link", "send {\"url\":\"/runs/<id>?…\"} or a full URL of this dashboard");
            }
            var code = links.Create(path);
            var shortUrl = DashboardUrls.ShortLink(cards.PublicBase($"{http.Scheme}://{http.Host}{http.PathBase}"), code);
            return Results.Ok(new { code, url = shortUrl, target = path });
        }).AddEndpointFilter<RunDashboard.Security.SameOriginFilter>();
        app.MapGet("/s/{code}", (string code, ShortLinks links) =>
            links.Resolve(code) is { } path ? Results.Redirect(path) : ApiProblems.NotFound($"no short link '{code}'"));
    }

    private static string? ToPath(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (url.StartsWith('/')) return url;
        return Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.PathAndQuery : null;
    }

    private static IResult Png(HttpContext http, byte[] png)
    {
        // Unfurlers fetch a card a few times in a burst; five minutes of caching covers that and lets a live run refresh.
        http.Response.Headers.CacheControl = "public, max-age=300";
        http.Response.Headers.ETag = "\"" + Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(png))[..16].ToLower(CultureInfo.InvariantCulture) + "\"";
        return Results.File(png, "image/png");
    }
}
