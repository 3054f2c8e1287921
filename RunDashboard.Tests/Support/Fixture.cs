namespace RunDashboard.Tests.Support;

/// <summary>Files under Fixtures/, copied beside the test assembly.</summary>
public static class Fixture
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static Stream Open(string name) => File.OpenRead(PathOf(name));
}
