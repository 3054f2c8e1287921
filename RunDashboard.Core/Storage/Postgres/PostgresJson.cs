using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>
/// How runs, their events and upload records are written to <c>jsonb</c>. Non-finite doubles (a NaN last value) are
/// written as the strings "NaN"/"Infinity", which JSON otherwise cannot hold; computed properties are left out; a
/// run's events go to their own column so the runs list never reads them.
/// </summary>
internal static class PostgresJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        IgnoreReadOnlyProperties = true,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(Run)) return;
                    var events = info.Properties.FirstOrDefault(p => p.Name == nameof(Run.Events));
                    if (events is not null) info.Properties.Remove(events);
                },
            },
        },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"a stored {typeof(T).Name} is JSON null");

    /// <summary>timestamptz takes UTC only; a time without a kind is taken as UTC, as the readers produce it.</summary>
    public static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };
}
