using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using RunDashboard.Configuration;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Security;

using RunDashboard.Core.Ingest;

namespace RunDashboard.Endpoints;

/// <summary><c>POST /api/uploads</c>: what a training script's <c>curl -F file=@train.log</c> talks to.</summary>
public static class UploadEndpoints
{
    /// <summary>Form fields other than files (project, name, tags) in one upload; a form with more is not a dashboard upload.</summary>
    private const int MaxTextFields = 32;

    public static void MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        // Scripts post multipart without an antiforgery token; the same-origin filter stands in for it.
        app.MapPost("/api/uploads", UploadAsync).DisableAntiforgery().RequireAuthorization(AccessPolicies.Write).AddEndpointFilter<SameOriginFilter>();
        // curl -T train.log http://host/api/uploads/ sends the file's bytes as the body of PUT /api/uploads/train.log.
        app.MapPut("/api/uploads/{fileName}", PutAsync).DisableAntiforgery().RequireAuthorization(AccessPolicies.Write).AddEndpointFilter<SameOriginFilter>();
        app.MapGet("/api/uploads", (RunStore store) => store.Uploads.List().Select(u => new
        {
            // A large upload's hash is computed after its answer, when its bytes are archived: null until then.
            id = u.Id, fileName = u.FileName, sha256 = u.Sha256.Length > 0 ? u.Sha256 : null, size = u.Size, uploadedAt = u.UploadedAt,
            status = u.Status, format = u.Format, error = u.Error, runs = u.RunIds, bytesKept = store.Uploads.HasBytes(u.Id),
            // Kept on disk beside the database until the background worker has compressed them into it.
            bytesPending = store.Uploads.IsPending(u.Id),
        }));
        app.MapPost("/api/uploads/reimport", ReimportAsync).DisableAntiforgery().RequireAuthorization(AccessPolicies.Write).AddEndpointFilter<SameOriginFilter>();
        app.MapDelete("/api/uploads/{id}", (string id, RunStore store) =>
            store.DeleteUpload(id) is { } runs
                ? Results.Ok(new { upload = id, deletedRuns = runs })
                : ApiProblems.NotFound($"no upload with id '{id}'"))
            .RequireAuthorization(AccessPolicies.Write).AddEndpointFilter<SameOriginFilter>();
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, ImportService imports, UploadTempFolder temp, IOptions<LimitsOptions> limitOptions,
        IConfiguration configuration, StartupWarmUp warmUp, CancellationToken cancellationToken)
    {
        var warmUpImports = warmUp.ImportsFor(request);
        imports = warmUpImports ?? imports;
        var limits = limitOptions.Value;
        if (!request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Expected a multipart form",
                "Send the log as multipart/form-data with one or more 'file' fields, e.g. curl -F file=@train.log http://localhost:5000/api/uploads");
        }
        var contentType = MediaTypeHeaderValue.Parse(request.ContentType);
        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (!contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(boundary))
        {
            return ApiProblems.BadRequest("Expected a multipart form",
                "the body must be multipart/form-data with a boundary (curl -F file=@train.log sets both); got " + contentType.MediaType);
        }
        var files = new List<(string FileName, string Path, string? Sha256)>();
        var received = System.Diagnostics.Stopwatch.StartNew();
        // The first file of a large upload is parsed while it arrives; given up when a second file follows.
        ReceivingImport? early = null;
        UploadFile? earlyFile = null;
        try
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            string? otherFileField = null;
            // The default 4 KB buffer makes a gigabyte body cost a few CPU seconds in small reads and boundary scans.
            var reader = new MultipartReader(boundary, request.Body, bufferSize: 1 << 20) { BodyLengthLimit = limits.MaxRequestBytes };
            // Text fields are short: a field longer than any limit allows is refused before it is held in memory.
            var maxFieldChars = Math.Max(Math.Max(limits.MaxNameLength, limits.MaxProjectLength), limits.MaxTags * (limits.MaxTagLength + 2)) + 1;
            var textFields = 0;
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var disposition = section.GetContentDispositionHeader();
                if (disposition is null) continue;
                var field = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                {
                    if (field != "file")
                    {
                        otherFileField ??= field;
                        await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                        continue;
                    }
                    if (files.Count >= limits.MaxFilesPerUpload)
                    {
                        return ApiProblems.BadRequest("Too many files", $"more than Limits:MaxFilesPerUpload ({limits.MaxFilesPerUpload:N0}) files in one upload");
                    }
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "upload";
                    if (early is not null && earlyFile is null) earlyFile = await early.StopEarlyImportAsync(files[0].Sha256);
                    if (files.Count == 0 && ParseWhileReceiving(request, name, imports, fields, limits, configuration, warmingUp: warmUpImports is not null) is { } provisional)
                    {
                        early = imports.BeginReceiving(name, provisional, cancellationToken);
                        files.Add((name, early.Path, await ReceiveFileAsync(section.Body, early.Path, early, HashOnTheWayIn(early, request, configuration), cancellationToken)));
                        continue;
                    }
                    // Listed before its bytes arrive, so a client that hangs up half-way leaves no file behind.
                    var path = temp.NewFile();
                    files.Add((name, path, null));
                    files[^1] = (name, path, await ReceiveFileAsync(section.Body, path, null, HashOnTheWayIn(null, request, configuration), cancellationToken));
                }
                else
                {
                    if (++textFields > MaxTextFields) return ApiProblems.BadRequest("Too many form fields", $"more than {MaxTextFields} text fields; send project, name and tags");
                    var value = await ReadTextAsync(section.Body, maxFieldChars, cancellationToken);
                    if (value is null) return ApiProblems.BadRequest("Field too long", LimitOfField(field, limits));
                    fields[field] = value;
                }
            }
            if (files.Count == 0)
            {
                var other = otherFileField is not null ? $" (got field '{otherFileField}')" : "";
                return ApiProblems.BadRequest("No file", $"The form has no 'file' field{other}; send the log as -F file=@train.log");
            }
            return await FinishAsync(request, imports, files, fields, early, earlyFile, received, limits, cancellationToken);
        }
        finally
        {
            // The early import's file is kept or removed by it (it may hold an imported upload's bytes).
            early?.Dispose();
            foreach (var (_, path, _) in files) if (path != early?.Path) UploadTempFolder.TryDelete(path);
        }
    }

    /// <summary>Query parameters of a PUT upload: the form fields of a POST.</summary>
    private static readonly string[] PutFields = ["project", "name", "tags", "rename", "step"];

    /// <summary>
    /// <c>PUT /api/uploads/{fileName}</c>: one file as the whole body (<c>curl -T train.log http://host/api/uploads/</c>),
    /// the form's fields as query parameters. With no multipart framing to parse, the body goes from the connection to
    /// the file in one copy.
    /// </summary>
    private static async Task<IResult> PutAsync(string fileName, HttpRequest request, ImportService imports, UploadTempFolder temp,
        IOptions<LimitsOptions> limitOptions, IConfiguration configuration, StartupWarmUp warmUp, CancellationToken cancellationToken)
    {
        var warmUpImports = warmUp.ImportsFor(request);
        imports = warmUpImports ?? imports;
        var limits = limitOptions.Value;
        var name = Path.GetFileName(fileName.Trim());
        if (name.Length == 0 || name is "." or "..")
        {
            return ApiProblems.BadRequest("No file name", "PUT the file to /api/uploads/<file name>, e.g. curl -T train.log http://localhost:5000/api/uploads/");
        }
        if (request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Expected the file's bytes", "a PUT body is the file itself (curl -T train.log …/api/uploads/); a form goes to POST /api/uploads (curl -F file=@train.log)");
        }
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, values) in request.Query)
        {
            if (!PutFields.Contains(key, StringComparer.Ordinal))
            {
                return ApiProblems.BadRequest("Unknown parameter", $"'{(key.Length > 40 ? key[..40] : key)}' is not an upload parameter; use {string.Join(", ", PutFields)}");
            }
            if (values.Count != 1) return ApiProblems.BadRequest("Repeated parameter", $"'{key}' is given {values.Count} times; give it once");
            fields[key] = values.ToString();
        }
        var received = System.Diagnostics.Stopwatch.StartNew();
        ReceivingImport? early = null;
        string? path = null;
        try
        {
            if (ParseWhileReceiving(request, name, imports, fields, limits, configuration, warmingUp: warmUpImports is not null) is { } provisional)
            {
                early = imports.BeginReceiving(name, provisional, cancellationToken);
            }
            path = early?.Path ?? temp.NewFile();
            var sha256 = await ReceiveFileAsync(request.Body, path, early, HashOnTheWayIn(early, request, configuration), cancellationToken);
            return await FinishAsync(request, imports, [(name, path, sha256)], fields, early, earlyFile: null, received, limits, cancellationToken);
        }
        finally
        {
            // The early import's file is kept or removed by it (it may hold an imported upload's bytes).
            early?.Dispose();
            if (path is not null && path != early?.Path) UploadTempFolder.TryDelete(path);
        }
    }

    /// <summary>
    /// What every upload does once its body is in: the fields checked against the limits, archives and tables
    /// checked on the whole file, then the import (the early one finished, or the files imported now) and its answer.
    /// </summary>
    private static async Task<IResult> FinishAsync(HttpRequest request, ImportService imports, List<(string FileName, string Path, string? Sha256)> files,
        Dictionary<string, string> fields, ReceivingImport? early, UploadFile? earlyFile, System.Diagnostics.Stopwatch received, LimitsOptions limits,
        CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, string> renames;
        try
        {
            renames = ReadingHints.ParseRenames(fields.GetValueOrDefault("rename"));
        }
        catch (FormatException ex)
        {
            return ApiProblems.BadRequest("Bad rename", ex.Message + "; send rename='loss_cls=train/loss/cls, val_acc=eval/accuracy' (a form field, or a query parameter of a PUT)");
        }
        var options = OptionsOf(fields, renames);
        if (UploadChecks.FieldProblem(options, limits) is { } fieldProblem) return ApiProblems.BadRequest("Over a limit", fieldProblem);
        var receiveSeconds = received.Elapsed.TotalSeconds;
        foreach (var (fileName, path, _) in files)
        {
            if (UploadChecks.ZipProblem(fileName, () => File.OpenRead(path), limits) is { } zipProblem)
            {
                return Results.Problem(title: zipProblem.TooLarge ? "Archive over a limit" : "Unsafe archive", detail: zipProblem.Detail,
                    statusCode: zipProblem.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest);
            }
        }
        foreach (var (fileName, path, _) in files)
        {
            if (UploadChecks.TableProblem(fileName, () => File.OpenRead(path), limits) is { } tableProblem) return ApiProblems.BadRequest("Table over a limit", tableProblem);
        }
        ImportReport report;
        if (early is not null && earlyFile is null)
        {
            report = await early.FinishAsync(files[0].Sha256, options, cancellationToken);
        }
        else
        {
            var uploads = files.Select((f, i) => i == 0 && earlyFile is not null ? earlyFile : new UploadFile(f.FileName, () => File.OpenRead(f.Path), f.Sha256, f.Path)).ToList();
            report = await imports.ImportAsync(uploads, options, cancellationToken);
        }
        var body = UploadResponse.From(report, request, receiveSeconds);
        if (!report.Succeeded)
        {
            return ApiProblems.BadRequest("Nothing could be imported", report.Error ?? "no runs found",
                new Dictionary<string, object?> { ["files"] = body.Files, ["problems"] = body.Problems });
        }
        var status = report.Files.All(f => f.Duplicate) ? StatusCodes.Status200OK : StatusCodes.Status201Created;
        return Results.Json(body, statusCode: status);
    }

    /// <summary>
    /// Writes one file field to its temp file and hashes it on the way (the import looks bytes seen before up by
    /// that hash), so the file is not read again just to hash it. Returns the SHA-256 in lower-case hex, or null
    /// when <paramref name="hash"/> is false: the import then hashes it only if it could be bytes seen before, and
    /// otherwise after the answer.
    /// </summary>
    private static async Task<string?> ReceiveFileAsync(Stream body, string path, ReceivingImport? early, bool hash, CancellationToken cancellationToken)
    {
        using var sha256 = hash ? System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256) : null;
        // Unbuffered, so each write is visible at once to an import reading the file as it grows.
        await using var target = new FileStream(path, early is null ? FileMode.CreateNew : FileMode.Truncate, FileAccess.Write,
            FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true);
        long total = 0;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha256?.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
                early?.Wrote(buffer.AsSpan(0, read), total);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return sha256 is null ? null : Convert.ToHexStringLower(sha256.GetHashAndReset());
    }

    /// <summary>
    /// From this body size (<c>Uploads:HashAfterAnswerBytes</c>) a file parsed while it arrives is not hashed on the
    /// way in: SHA-256 is a tenth of such an import's processor time, on cores the import keeps busy, and is needed
    /// before the answer only when an earlier upload has the same length (the same bytes always do).
    /// </summary>
    private const long HashAfterAnswerBytes = 64L * 1024 * 1024;

    /// <summary>Whether a file is hashed as it is received: always, unless it is parsed while it arrives and large.</summary>
    private static bool HashOnTheWayIn(ReceivingImport? early, HttpRequest request, IConfiguration configuration) =>
        early is null || request.ContentLength is not { } length || length < configuration.GetValue("Uploads:HashAfterAnswerBytes", HashAfterAnswerBytes);

    /// <summary>
    /// Below this body size (<c>Uploads:ParseWhileReceivingBytes</c>) an upload is received first and parsed after:
    /// overlapping saves little there.
    /// </summary>
    private const long ParseWhileReceivingBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The options to start parsing the first file with while it arrives, or null when it waits for the whole body:
    /// a small or chunked body, a zip or table (their limits are checked on the whole file first), or fields so far
    /// that are over a limit or unreadable (the whole form's answer says so).
    /// </summary>
    private static UploadOptions? ParseWhileReceiving(HttpRequest request, string fileName, ImportService imports, Dictionary<string, string> fields,
        LimitsOptions limits, IConfiguration configuration, bool warmingUp)
    {
        var threshold = warmingUp ? StartupWarmUp.ParseWhileReceivingBytes : configuration.GetValue("Uploads:ParseWhileReceivingBytes", ParseWhileReceivingBytes);
        if (!imports.CanReceiveWhileParsing || request.ContentLength is not { } length || length < threshold) return null;
        if (Path.GetExtension(fileName).ToLowerInvariant() is ".zip" or ".csv" or ".tsv") return null;
        try
        {
            var options = OptionsOf(fields, ReadingHints.ParseRenames(fields.GetValueOrDefault("rename")));
            return UploadChecks.FieldProblem(options, limits) is null ? options : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static UploadOptions OptionsOf(Dictionary<string, string> fields, IReadOnlyDictionary<string, string> renames) => new(
        Project: Clean(fields.GetValueOrDefault("project")),
        Name: Clean(fields.GetValueOrDefault("name")),
        Tags: UploadOptions.ParseTags(fields.GetValueOrDefault("tags")),
        Hints: new ReadingHints(Clean(fields.GetValueOrDefault("step")), renames));

    private static string LimitOfField(string field, LimitsOptions limits) => field switch
    {
        "name" => $"the run name is over Limits:MaxNameLength ({limits.MaxNameLength:N0})",
        "project" => $"the project is over Limits:MaxProjectLength ({limits.MaxProjectLength:N0})",
        "tags" => $"the tags are over Limits:MaxTags ({limits.MaxTags:N0}) × Limits:MaxTagLength ({limits.MaxTagLength:N0})",
        _ => $"the field '{(field.Length > 40 ? field[..40] : field)}' is longer than any dashboard field",
    };

    /// <summary>The field's text, or null when it has more than <paramref name="maxChars"/> characters (the rest is not read into memory).</summary>
    private static async Task<string?> ReadTextAsync(Stream body, int maxChars, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var buffer = new char[4096];
        var text = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > maxChars)
            {
                await body.CopyToAsync(Stream.Null, cancellationToken);
                return null;
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Parses stored uploads again with today's parsers: all of them, or those named in
    /// <c>{"uploads":["id", …]}</c>. Runs keep their ids, so links pasted earlier still open them.
    /// </summary>
    private static async Task<IResult> ReimportAsync(HttpRequest request, ImportService imports, RunStore store, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? ids = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            if (!request.HasJsonContentType())
            {
                return Results.Problem(title: "Expected JSON", statusCode: StatusCodes.Status415UnsupportedMediaType,
                    detail: "send {\"uploads\":[\"id\", …]} as application/json, or no body to re-import everything");
            }
            try
            {
                var body = await request.ReadFromJsonAsync<ReimportRequest>(cancellationToken);
                ids = body?.Uploads;
            }
            catch (System.Text.Json.JsonException ex)
            {
                return ApiProblems.BadRequest("Invalid JSON", $"expected {{\"uploads\":[\"id\", …]}} or no body: {ex.Message}");
            }
        }
        var unknown = ids?.Where(id => store.Uploads.Get(id) is null).ToList() ?? [];
        if (unknown.Count > 0) return ApiProblems.NotFound($"no upload with id {string.Join(", ", unknown.Select(u => $"'{u}'"))}");
        var report = await imports.ReimportAsync(ids, cancellationToken);
        return Results.Ok(UploadResponse.From(report, request));
    }

    private sealed record ReimportRequest(IReadOnlyList<string>? Uploads);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
