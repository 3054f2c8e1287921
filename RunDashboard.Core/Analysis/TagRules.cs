using System.Text.RegularExpressions;

namespace RunDashboard.Core.Analysis;

/// <summary>One category of tags: every tag matching <see cref="Pattern"/> is a value of <see cref="Name"/>.</summary>
public sealed class TagRule
{
    public string Name { get; set; } = "";
    public string Pattern { get; set; } = "";
}

/// <summary>Bound from <c>TagRules:Categories</c>; when none are configured, the default categories are used (model size, token multiplier, dataset, experiment type, model match).</summary>
public sealed class TagRuleOptions
{
    public const string Section = "TagRules";
    public List<TagRule> Categories { get; set; } = [];

    public static readonly IReadOnlyList<TagRule> Defaults =
    [
        new() { Name = "model size", Pattern = @"^\d+(\.\d+)?[MB]$" },
        new() { Name = "token multiplier", Pattern = @"^\d+mtx\d+$|^\d+mt$" },
        new() { Name = "dataset", Pattern = @"^(dclm|dolma|fineweb|c4|pile|redpajama|slimpajama|tulu|ultrafeedback)([-_][\w-]+)?$" },
        new() { Name = "experiment", Pattern = @"^(finetune|pretrain|sft|dpo[\w-]*|kto[\w-]*|distill[\w-]*|hidden|eval)$" },
        new() { Name = "model match", Pattern = @"^match_\d+(\.\d+)?[MB]$" },
    ];
}

/// <summary>Turns free-form tags (<c>10mtx1, 4M, finetune</c>) into categories people can filter and group by.</summary>
public sealed class TagRules
{
    private readonly List<(string Name, Regex Pattern)> _rules;

    public TagRules(IEnumerable<TagRule> rules)
    {
        _rules = rules.Where(r => r.Name.Length > 0 && r.Pattern.Length > 0)
            .Select(r => (r.Name, new Regex(r.Pattern, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(50))))
            .ToList();
    }

    public static TagRules From(TagRuleOptions options) => new(options.Categories.Count > 0 ? options.Categories : TagRuleOptions.Defaults);

    public IReadOnlyList<string> Categories => _rules.Select(r => r.Name).ToList();

    /// <summary>Category → the tags in it (a run may carry two dataset tags).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Categorize(IEnumerable<string> tags)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var list = tags.ToList();
        foreach (var (name, pattern) in _rules)
        {
            var matching = list.Where(t => pattern.IsMatch(t)).ToList();
            if (matching.Count > 0) result[name] = matching;
        }
        return result;
    }
}
