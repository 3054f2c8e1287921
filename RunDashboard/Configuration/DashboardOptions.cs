using System.ComponentModel.DataAnnotations;

namespace RunDashboard.Configuration;

/// <summary><c>Dashboard:*</c>: how the dashboard presents itself to browsers and chat apps.</summary>
public sealed class DashboardOptions : IValidatableObject
{
    public const string Section = "Dashboard";

    /// <summary>Public address used in unfurl cards and short links behind a reverse proxy; the request's own when unset.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>CSP <c>frame-ancestors</c>: who may show the dashboard in a frame. <c>'none'</c> by default; e.g. <c>'self' https://wiki.lab</c>.</summary>
    [Required] public string FrameAncestors { get; set; } = "'none'";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
        {
            yield return new ValidationResult($"Dashboard:PublicBaseUrl must be an absolute http(s) URL, got '{url}'.", [nameof(PublicBaseUrl)]);
        }
        if (FrameAncestors.Any(c => c is ';' or ',' or '\r' or '\n'))
        {
            yield return new ValidationResult("Dashboard:FrameAncestors is a space-separated source list (no ';' or newlines), e.g. 'self' https://wiki.lab.", [nameof(FrameAncestors)]);
        }
    }
}
