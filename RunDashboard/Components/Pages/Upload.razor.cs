using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using MudBlazor;
using RunDashboard.Components.Security;
using RunDashboard.Configuration;
using RunDashboard.Core.Storage;
using RunDashboard.Security;
using RunDashboard.Core.Services;

namespace RunDashboard.Components.Pages;

/// <summary>
/// The upload form. Files stream from the browser into temporary files (with progress), then go through the
/// same <see cref="ImportService"/> as <c>POST /api/uploads</c>.
/// </summary>
public partial class Upload
{
    private const int CopyBufferBytes = 256 * 1024;

    private MudFileUpload<IReadOnlyList<IBrowserFile>>? _picker;
    private readonly List<IBrowserFile> _files = [];
    private string? _project;
    private string? _name;
    private string? _tags;
    private string? _stepField;
    private RunDashboard.Components.Uploads.StoredUploads? _stored;
    private string? _renames;
    private bool _busy;
    private double _progress;
    private string _status = "";
    private string? _error;
    private ImportReport? _report;

    [Inject] private ImportService Imports { get; set; } = default!;
    [Inject] private IOptions<LimitsOptions> Limits { get; set; } = default!;
    [Inject] private UploadTempFolder Temp { get; set; } = default!;
    [Inject] private WriteAccess Access { get; set; } = default!;

    private long MaxFileBytes => Limits.Value.MaxRequestBytes;

    private void FilesChosen(IReadOnlyList<IBrowserFile>? files)
    {
        foreach (var f in files ?? [])
        {
            if (!_files.Any(x => x.Name == f.Name && x.Size == f.Size)) _files.Add(f);
        }
    }

    private async Task Remove(IBrowserFile file)
    {
        _files.Remove(file);
        if (_picker is not null) await _picker.RemoveFileAsync(file);
    }

    private async Task UploadAsync()
    {
        _busy = true;
        _error = null;
        _report = null;
        var temps = new List<string>();
        try
        {
            if (!await Access.AllowedAsync())
            {
                _error = "Uploading needs a token on this dashboard: sign in first.";
                return;
            }
            IReadOnlyDictionary<string, string> renames;
            try
            {
                renames = RunDashboard.Core.Ingest.ReadingHints.ParseRenames(_renames);
            }
            catch (FormatException ex)
            {
                _error = $"Rename keys: {ex.Message}.";
                return;
            }
            var options = new UploadOptions(Blank(_project), Blank(_name), UploadOptions.ParseTags(_tags),
                new RunDashboard.Core.Ingest.ReadingHints(Blank(_stepField), renames));
            _error = _files.Count > Limits.Value.MaxFilesPerUpload
                ? $"{_files.Count} files, over Limits:MaxFilesPerUpload ({Limits.Value.MaxFilesPerUpload})."
                : UploadChecks.FieldProblem(options, Limits.Value);
            if (_error is not null) return;
            var total = Math.Max(1, _files.Sum(f => f.Size));
            long done = 0;
            var uploads = new List<UploadFile>();
            foreach (var file in _files)
            {
                if (file.Size > MaxFileBytes)
                {
                    _error = $"{file.Name} is {FormatSize(file.Size)}, over the {FormatSize(MaxFileBytes)} limit (Limits:MaxRequestBytes).";
                    return;
                }
                _status = $"Uploading {file.Name}…";
                var temp = Temp.NewFile();
                temps.Add(temp);
                await using (var target = File.Create(temp))
                await using (var source = file.OpenReadStream(MaxFileBytes))
                {
                    var buffer = new byte[CopyBufferBytes];
                    int read;
                    while ((read = await source.ReadAsync(buffer)) > 0)
                    {
                        await target.WriteAsync(buffer.AsMemory(0, read));
                        done += read;
                        _progress = 100.0 * done / total;
                        StateHasChanged();
                    }
                }
                uploads.Add(new UploadFile(file.Name, () => File.OpenRead(temp)));
            }
            foreach (var upload in uploads)
            {
                _error = UploadChecks.ZipProblem(upload.FileName, upload.Open, Limits.Value)?.Detail
                         ?? UploadChecks.TableProblem(upload.FileName, upload.Open, Limits.Value);
                if (_error is not null) return;
            }
            _progress = 100;
            _status = "Parsing and storing…";
            StateHasChanged();
            _report = await Imports.ImportAsync(uploads, options);
            _stored?.Refresh();
            if (_report.Succeeded)
            {
                _files.Clear();
                if (_picker is not null) await _picker.ClearAsync();
            }
        }
        catch (IOException ex)
        {
            _error = $"The upload was interrupted: {ex.Message}";
        }
        finally
        {
            foreach (var t in temps) TryDelete(t);
            _busy = false;
        }
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { /* a temp file left behind is harmless */ }
    }

    private static string FormatSize(long bytes) => NumberFormat.Bytes(bytes);
}
