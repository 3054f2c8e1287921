namespace RunDashboard.Endpoints;

/// <summary>JSON problem answers (RFC 9457) that say what is wrong and where.</summary>
internal static class ApiProblems
{
    public static IResult BadRequest(string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest, extensions: extensions);

    public static IResult NotFound(string detail) =>
        Results.Problem(title: "Not found", detail: detail, statusCode: StatusCodes.Status404NotFound);
}
