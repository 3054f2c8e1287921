namespace RunDashboard.Core.Services.Notifications;

/// <summary>One line of a post: a finding, or one run of a digest with its page and picture.</summary>
/// <param name="Text">The line, plain text.</param>
/// <param name="Link">Where <paramref name="LinkText"/> (or, without it, the whole line) links to.</param>
/// <param name="ImageLink">A picture for the line, shown as a "chart" link.</param>
/// <param name="LinkText">The linked words written before <paramref name="Text"/>: a digest links the run's name.</param>
public sealed record ChatLine(string Text, string? Link = null, string? ImageLink = null, string? LinkText = null);
