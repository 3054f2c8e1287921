using System.Diagnostics;

namespace RunDashboard.Tests.Support;

/// <summary>
/// The dashboard as a real process (<c>dotnet RunDashboard.dll</c>), for tests that kill it with SIGKILL: no shutdown
/// code runs, as when a machine loses power or the OOM killer strikes.
/// </summary>
public sealed class DashboardProcess : IDisposable
{
    private DashboardProcess(Process process, string baseUrl)
    {
        Process = process;
        BaseUrl = baseUrl;
    }

    public Process Process { get; }
    public string BaseUrl { get; }
    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>Starts the built web project with these settings and waits until it listens.</summary>
    public static async Task<DashboardProcess> StartAsync(params string[] settings)
    {
        var project = Path.Combine(RepositoryRoot(), "RunDashboard");
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(project, "bin", configuration, "net10.0", "RunDashboard.dll");
        Assert.True(File.Exists(dll), $"build the web project first: {dll}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = project,
        };
        foreach (var a in (string[])[dll, "--urls=http://127.0.0.1:0", "--environment=Production", $"--contentRoot={project}", .. settings]) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Now listening on: ", StringComparison.Ordinal) == true) listening.TrySetResult(e.Data[e.Data.IndexOf("http", StringComparison.Ordinal)..].Trim());
        };
        process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the dashboard exited at start: " + errors));
        return new DashboardProcess(process, await listening.Task.WaitAsync(TimeSpan.FromSeconds(90)));
    }

    /// <summary>SIGKILL (what Process.Kill sends on Linux) and wait for the process to be gone.</summary>
    public void Kill()
    {
        Process.Kill();
        Process.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Kill();
        Process.Dispose();
        Client.Dispose();
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RunDashboard.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }
}
