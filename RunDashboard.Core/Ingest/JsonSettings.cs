using System.Globalization;
using System.Text.Json;

namespace RunDashboard.Core.Ingest;

/// <summary>Flattens JSON settings into dotted keys (<c>lora_parameters.rank</c>), keeping each value as written.</summary>
public static class JsonSettings
{
    /// <summary>W&amp;B wraps config values as <c>{"desc":…, "value":…}</c>; such a wrapper is unwrapped.</summary>
    public static void Flatten(JsonElement element, string prefix, IDictionary<string, string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (IsValueWrapper(element, out var inner))
                {
                    Flatten(inner, prefix, into);
                    return;
                }
                var any = false;
                foreach (var p in element.EnumerateObject())
                {
                    any = true;
                    Flatten(p.Value, prefix.Length == 0 ? p.Name : prefix + "." + p.Name, into);
                }
                if (!any && prefix.Length > 0) into[prefix] = "{}";
                break;
            case JsonValueKind.Array:
                into[prefix] = element.GetRawText();
                break;
            case JsonValueKind.String:
                into[prefix] = element.GetString() ?? "";
                break;
            default:
                into[prefix] = element.GetRawText();
                break;
        }
    }

    private static bool IsValueWrapper(JsonElement e, out JsonElement value)
    {
        value = default;
        var count = 0;
        var hasValue = false;
        foreach (var p in e.EnumerateObject())
        {
            count++;
            if (p.NameEquals("value")) { hasValue = true; value = p.Value; }
            else if (!p.NameEquals("desc")) return false;
        }
        return hasValue && count <= 2;
    }

    /// <summary>A JSON number or a numeric string ("NaN", "Infinity" too) as a double.</summary>
    public static bool TryGetNumber(JsonElement e, out double value)
    {
        value = 0;
        return e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetDouble(out value),
            JsonValueKind.String => Numbers.TryParse(e.GetString(), out value),
            _ => false,
        };
    }

    public static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static readonly JsonDocumentOptions Lenient = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 256,
    };
}
