using Microsoft.Extensions.Options;
using RunDashboard.Configuration;

namespace RunDashboard.Security;

/// <summary>
/// A client's malformed or oversized request is the client's error: Kestrel's "request body too large" becomes 413
/// naming <c>Limits:MaxRequestBytes</c>, a broken or truncated body 400, instead of the 500 of an unhandled exception.
/// </summary>
public static class RequestErrors
{
    public static IApplicationBuilder UseRequestErrors(this IApplicationBuilder app)
    {
        var limits = app.ApplicationServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex) when (!context.Response.HasStarted && Describe(ex, limits) is { } answer)
            {
                context.Response.Clear();
                await Results.Problem(title: answer.Title, detail: answer.Detail, statusCode: answer.Status).ExecuteAsync(context);
            }
        });
    }

    public static (int Status, string Title, string Detail)? Describe(Exception ex, LimitsOptions limits) => ex switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => TooLarge(limits),
        InvalidDataException e when e.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase) => TooLarge(limits),
        BadHttpRequestException e => (e.StatusCode, "Bad request", e.Message),
        InvalidDataException e => (StatusCodes.Status400BadRequest, "Malformed request body", e.Message),
        IOException e when e.Message.Contains("Unexpected end of", StringComparison.OrdinalIgnoreCase)
            => (StatusCodes.Status400BadRequest, "Truncated request body", "the body ended before its multipart boundary: " + e.Message),
        _ => null,
    };

    private static (int, string, string) TooLarge(LimitsOptions limits) =>
        (StatusCodes.Status413PayloadTooLarge, "Request too large",
            $"the request body is over Limits:MaxRequestBytes ({limits.MaxRequestBytes:N0} bytes)");
}
