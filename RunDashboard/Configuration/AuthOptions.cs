using System.ComponentModel.DataAnnotations;

namespace RunDashboard.Configuration;

/// <summary>
/// <c>Auth:*</c>. Tokens are given in plain (<c>Auth:Tokens:0</c>, env <c>Auth__Tokens__0</c>) or as their
/// SHA-256 in hex (<c>Auth:TokenSha256:0</c>, so a config file need not hold the secret). Only hashes are kept
/// after start (<see cref="TokenHashes"/>); a token is never rendered or logged.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>The shortest token accepted: 16 characters of a random token are 80+ bits.</summary>
    public const int MinTokenLength = 16;

    public AuthMode Mode { get; set; } = AuthMode.None;

    public List<string> Tokens { get; set; } = [];

    public List<string> TokenSha256 { get; set; } = [];

    /// <summary>Reading (pages, API, previews) needs a token too; shared links then need a sign-in, and chat unfurls show nothing.</summary>
    public bool ReadRequiresToken { get; set; }

    /// <summary>How long a browser stays signed in.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromDays(14);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Tokens.Any(t => string.IsNullOrWhiteSpace(t) || t.Trim().Length < MinTokenLength))
        {
            yield return new ValidationResult($"Auth:Tokens: every token must have at least {MinTokenLength} characters (e.g. `openssl rand -hex 24`).", [nameof(Tokens)]);
        }
        if (TokenSha256.Any(h => h.Length != 64 || !h.All(Uri.IsHexDigit)))
        {
            yield return new ValidationResult("Auth:TokenSha256: each entry must be 64 hex digits (`printf %s \"$TOKEN\" | sha256sum`).", [nameof(TokenSha256)]);
        }
        if (Mode == AuthMode.Token && Tokens.Count == 0 && TokenSha256.Count == 0)
        {
            yield return new ValidationResult("Auth:Mode is Token but no token is configured: set Auth:Tokens:0 (env Auth__Tokens__0) or Auth:TokenSha256:0.", [nameof(Mode)]);
        }
        if (Mode == AuthMode.None && ReadRequiresToken)
        {
            yield return new ValidationResult("Auth:ReadRequiresToken needs Auth:Mode=Token.", [nameof(ReadRequiresToken)]);
        }
    }

    /// <summary>The SHA-256 of every configured token, plain ones hashed here.</summary>
    public IReadOnlyList<byte[]> TokenHashes() =>
        Tokens.Select(t => TokenHash.Of(t.Trim())).Concat(TokenSha256.Select(Convert.FromHexString)).ToList();
}
