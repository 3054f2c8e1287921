using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;
using RunDashboard.Components.Security;
using RunDashboard.Configuration;
using RunDashboard.Endpoints;
using RunDashboard.Security;
using RunDashboard.Core.Services;

namespace RunDashboard.Components.Pages;

/// <summary>
/// The upload form. The browser sends the chosen files itself to <c>POST /api/uploads</c> (wwwroot/js/upload-form.js),
/// as fast as a script's curl: the live connection carries only the file names, the progress and the end of the
/// request, and the report is the endpoint's own JSON answer.
/// </summary>
public partial class Upload : IAsyncDisposable
{
    /// <summary>The answer's report of a large upload (thousands of runs) is a few MB; more than this is not a report.</summary>
    private const long MaxAnswerBytes = 256L * 1024 * 1024;

    /// <summary>Runs linked per file in the report; the runs list shows them all.</summary>
    private const int MaxRunsShown = 200;

    private MudFileUpload<IReadOnlyList<IBrowserFile>>? _picker;
    private ElementReference _form;
    private IJSObjectReference? _module;
    private DotNetObjectReference<Upload>? _self;
    private readonly List<IBrowserFile> _files = [];
    private string? _project;
    private string? _name;
    private string? _tags;
    private string? _stepField;
    private RunDashboard.Components.Uploads.StoredUploads? _stored;
    private string? _renames;
    private bool _busy;
    private bool _sending;
    private double _progress;
    private long _sent;
    private long _total;
    private string _status = "";
    private string? _error;
    private UploadView? _report;

    [Inject] private IOptions<LimitsOptions> Limits { get; set; } = default!;
    [Inject] private WriteAccess Access { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private NavigationManager Nav { get; set; } = default!;

    private long MaxFileBytes => Limits.Value.MaxRequestBytes;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender) return;
        _self = DotNetObjectReference.Create(this);
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/upload-form.js");
        await _module.InvokeVoidAsync("attach", _form, _self);
    }

    private void FilesChosen(IReadOnlyList<IBrowserFile>? files)
    {
        foreach (var f in files ?? [])
        {
            if (!_files.Any(x => x.Name == f.Name && x.Size == f.Size)) _files.Add(f);
        }
    }

    private async Task Remove(IBrowserFile file)
    {
        // The request under way already holds its files; the list stays as it was sent.
        if (_busy) return;
        _files.Remove(file);
        if (_module is not null) await _module.InvokeVoidAsync("remove", _form, file.Name, file.Size);
        if (_picker is not null) await _picker.RemoveFileAsync(file);
    }

    private async Task UploadAsync()
    {
        _error = null;
        _report = null;
        if (_module is null)
        {
            _error = "The page is still loading its upload script; try again in a moment.";
            return;
        }
        if (!await Access.AllowedAsync())
        {
            _error = "Uploading needs a token on this dashboard: sign in first.";
            return;
        }
        try
        {
            RunDashboard.Core.Ingest.ReadingHints.ParseRenames(_renames);
        }
        catch (FormatException ex)
        {
            _error = $"Rename keys: {ex.Message}.";
            return;
        }
        // The endpoint checks all of this again; checked here too, a mistake is named before any byte is sent.
        var options = new UploadOptions(Blank(_project), Blank(_name), UploadOptions.ParseTags(_tags));
        _error = _files.Count > Limits.Value.MaxFilesPerUpload
            ? $"{_files.Count} files, over Limits:MaxFilesPerUpload ({Limits.Value.MaxFilesPerUpload})."
            : UploadChecks.FieldProblem(options, Limits.Value)
              ?? _files.Where(f => f.Size > MaxFileBytes).Select(f => $"{f.Name} is {FormatSize(f.Size)}, over the {FormatSize(MaxFileBytes)} limit (Limits:MaxRequestBytes).").FirstOrDefault();
        if (_error is not null) return;

        var fields = new Dictionary<string, string?>
        {
            ["project"] = Blank(_project), ["name"] = Blank(_name), ["tags"] = Blank(_tags), ["step"] = Blank(_stepField), ["rename"] = Blank(_renames),
        };
        _total = Math.Max(1, _files.Sum(f => f.Size));
        _sent = 0;
        _progress = 0;
        _busy = _sending = true;
        _status = Announce(0);
        var chosen = _files.Select(f => new { name = f.Name, size = f.Size }).ToList();
        var problem = await _module.InvokeAsync<string?>("send", _form, Nav.ToAbsoluteUri("api/uploads").ToString(), chosen, fields);
        if (problem is not null)
        {
            _busy = _sending = false;
            _error = problem + ".";
        }
    }

    private async Task CancelAsync()
    {
        if (_module is not null && _sending) await _module.InvokeVoidAsync("cancel", _form);
    }

    [JSInvokable]
    public Task Progress(double loaded, double total) => InvokeAsync(() =>
    {
        if (!_sending) return;
        _sent = (long)loaded;
        _total = Math.Max(1, (long)total);
        _progress = Math.Clamp(100.0 * loaded / _total, 0, 100);
        _status = Announce(_progress);
        StateHasChanged();
    });

    [JSInvokable]
    public Task Sent() => InvokeAsync(() =>
    {
        _sending = false;
        _progress = 100;
        _status = "Sent; parsing and storing…";
        StateHasChanged();
    });

    [JSInvokable]
    public Task Failed(string reason) => InvokeAsync(() =>
    {
        _busy = _sending = false;
        _error = reason == "cancelled" ? null : $"The upload was interrupted: {reason}.";
        _status = reason == "cancelled" ? "Upload cancelled; nothing was stored." : "";
        StateHasChanged();
    });

    [JSInvokable]
    public async Task Finished(int status)
    {
        try
        {
            var answer = await ReadAnswerAsync();
            (_report, _error) = UploadView.FromAnswer(status, answer);
            _status = "";
            if (_report?.Succeeded == true)
            {
                _files.Clear();
                if (_module is not null) await _module.InvokeVoidAsync("clear", _form);
                if (_picker is not null) await _picker.ClearAsync();
            }
        }
        catch (Exception ex) when (ex is JsonException or JSException or IOException)
        {
            _error = $"The dashboard answered {status} with a body the page could not read: {ex.Message}";
        }
        finally
        {
            _busy = _sending = false;
            _stored?.Refresh();
            await InvokeAsync(StateHasChanged);
        }
    }

    private async Task<JsonElement?> ReadAnswerAsync()
    {
        if (_module is null) return null;
        var reference = await _module.InvokeAsync<IJSStreamReference>("takeResponse", _form);
        await using var stream = await reference.OpenReadStreamAsync(MaxAnswerBytes);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        if (buffer.Length == 0) return null;
        buffer.Position = 0;
        try
        {
            return JsonDocument.Parse(buffer).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null; // a proxy's HTML error page, say: the status alone is reported
        }
    }

    /// <summary>What the live region reads out: in steps of ten percent, so a screen reader is not flooded.</summary>
    private static string Announce(double percent) => $"Uploading: {(int)(percent / 10) * 10} % sent";

    // The exact share is shown beside the bytes: the live region above only moves in steps of ten.
    private string SentText => _total > 0
        ? $"{FormatSize(_sent)} of {FormatSize(_total)} ({NumberFormat.Percent((double)_sent / _total)})"
        : $"{FormatSize(_sent)} of {FormatSize(_total)}";

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string FormatSize(long bytes) => NumberFormat.Bytes(bytes);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_module is not null)
            {
                await _module.InvokeVoidAsync("cancel", _form);
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The page was closed: the browser has ended the request itself.
        }
        _self?.Dispose();
    }
}
