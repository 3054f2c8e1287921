namespace RunDashboard.Core.Services.Notifications;

/// <summary>How urgent a post is: services draw it as the colour bar beside the post.</summary>
public enum PostTone
{
    Good,
    Neutral,
    Warning,
    Error,
}
