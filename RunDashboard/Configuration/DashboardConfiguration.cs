using Microsoft.Extensions.Options;

namespace RunDashboard.Configuration;

/// <summary>Binds the web project's options once, validated at start: a bad value stops the app with the key's name.</summary>
public static class DashboardConfiguration
{
    public static IServiceCollection AddDashboardOptions(this IServiceCollection services, IConfiguration configuration)
    {
        Bind<DashboardOptions>(services, configuration, DashboardOptions.Section);
        Bind<LimitsOptions>(services, configuration, LimitsOptions.Section);
        Bind<AuthOptions>(services, configuration, AuthOptions.Section);
        return services;
    }

    private static void Bind<T>(IServiceCollection services, IConfiguration configuration, string section) where T : class =>
        services.AddOptions<T>().Bind(configuration.GetSection(section), o => o.ErrorOnUnknownConfiguration = false)
            .ValidateDataAnnotations().ValidateOnStart();

    /// <summary>Reads a section as the app will bind it, for settings needed while the host is built (Kestrel limits, auth schemes).</summary>
    public static T Read<T>(IConfiguration configuration, string section) where T : new() =>
        configuration.GetSection(section).Get<T>() ?? new T();

    /// <summary>The message of a failed options validation, one line per problem, without the type noise.</summary>
    public static string Describe(OptionsValidationException ex) => string.Join(Environment.NewLine, ex.Failures);
}
