namespace RunDashboard.Core.Services.Notifications;

/// <summary>What a post says, before it is shaped for one chat service. Every string is plain text: the payload
/// builder escapes it for the service's markup.</summary>
/// <param name="Title">The headline: <c>Run finished: kd-sweep (lab)</c>.</param>
/// <param name="Link">The run's page, absolute when the dashboard's public address is configured.</param>
/// <param name="ImageLink">The run's preview PNG.</param>
/// <param name="Numbers">The one line of numbers of the run's unfurl card.</param>
/// <param name="Lines">Findings, or the runs of a digest (each with its own links).</param>
/// <param name="Tone">How urgent, for the colour bar services draw beside a post.</param>
public sealed record ChatPost(string Title, string? Link, string? ImageLink, string Numbers, IReadOnlyList<ChatLine> Lines, PostTone Tone);
