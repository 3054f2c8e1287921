using System.Runtime.CompilerServices;

namespace RunDashboard.Core.Ingest.Fast;

/// <summary>
/// For the loops a large import spends its time in (per value, per line, per chunk). The runtime first compiles a
/// method without optimising it and recompiles it optimised only once it has been called often, and it holds that
/// counting back while other methods are still being compiled for the first time, which is what a fresh server does
/// during its first upload: there these loops ran unoptimised for most of a 512 MB import. Marked methods are
/// compiled optimised at their first call (3.6–4.3 against 4.7–5.9 processor seconds for that first upload); they
/// then skip the profile-guided recompilation, which measured no different here.
/// </summary>
internal static class HotPath
{
    public const MethodImplOptions Optimised = MethodImplOptions.AggressiveOptimization;
}
