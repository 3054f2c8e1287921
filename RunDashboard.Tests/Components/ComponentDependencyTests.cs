using System.Reflection;
using Microsoft.AspNetCore.Components;
using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Components;

/// <summary>Pages and components ask Core services for what they show; none reaches into storage.</summary>
public class ComponentDependencyTests
{
    private static readonly Type[] ComponentTypes = typeof(RunDashboard.Components.Pages.Compare).Assembly.GetTypes()
        .Where(t => t.Namespace is { } ns && (ns == "RunDashboard.Components" || ns.StartsWith("RunDashboard.Components.", StringComparison.Ordinal)))
        .ToArray();

    [Fact]
    public void No_component_has_the_run_store_injected()
    {
        var offenders = new List<string>();
        foreach (var type in ComponentTypes)
        {
            const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            offenders.AddRange(type.GetProperties(all)
                .Where(p => p.GetCustomAttribute<InjectAttribute>() is not null && Touches(p.PropertyType))
                .Select(p => $"{type.FullName}.{p.Name} ([Inject])"));
            offenders.AddRange(type.GetConstructors(all).SelectMany(c => c.GetParameters())
                .Where(p => Touches(p.ParameterType))
                .Select(p => $"{type.FullName}({p.Name})"));
        }
        Assert.True(offenders.Count == 0, "inject a Core service instead of RunStore: " + string.Join(", ", offenders));
    }

    [Fact]
    public void The_check_sees_the_components_it_guards()
    {
        // Guards the guard: an empty list of types or a missed [Inject] would make the test above pass for nothing.
        Assert.Contains(typeof(RunDashboard.Components.Pages.RunPage), ComponentTypes);
        Assert.Contains(typeof(RunDashboard.Components.Security.DeleteRunButton), ComponentTypes);
        Assert.Contains(typeof(RunDashboard.Components.Pages.Compare).GetProperties(BindingFlags.Instance | BindingFlags.NonPublic),
            p => p.GetCustomAttribute<InjectAttribute>() is not null && p.PropertyType == typeof(RunDashboard.Core.Services.SeriesService));
    }

    private static bool Touches(Type type) =>
        type == typeof(RunStore) || (type.IsGenericType && type.GetGenericArguments().Any(Touches));
}
