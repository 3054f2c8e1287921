namespace RunDashboard.Core.Ingest.Templates;

/// <summary>
/// Online log-template mining after Drain (He et al., ICWS 2017): tokens that carry digits are masked, lines are
/// routed through a fixed-depth tree (token count, then the first tokens), and in the leaf the most similar template
/// (share of equal positions ≥ <see cref="SimilarityThreshold"/>) takes the line, turning the positions that differ
/// into wildcards. Each line costs the same whatever has been seen before (depth and leaf size are bounded), and
/// memory is bounded by <see cref="MaxTemplates"/>: past it, unseen shapes are not learned.
/// </summary>
public sealed class TemplateMiner
{
    public const double SimilarityThreshold = 0.5;
    public const int MaxTemplates = 2048;
    private const int PrefixDepth = 2;
    private const int MaxChildren = 64;
    private const int MaxLeafTemplates = 32;
    private const int MaxTokens = 96;

    private readonly Dictionary<int, Node> _byLength = [];
    private readonly List<LineTemplate> _templates = [];
    private readonly List<string> _tokens = new(32);

    public IReadOnlyList<LineTemplate> Templates => _templates;

    /// <summary>Lines that found no template once <see cref="MaxTemplates"/> were learned.</summary>
    public long Unassigned { get; private set; }

    private const int MaxCachedShapes = 4096;
    private readonly Dictionary<ulong, LineTemplate> _byShape = [];

    /// <summary>The template of <paramref name="line"/>, learned or updated; null when memory is full.</summary>
    public LineTemplate? Add(ReadOnlySpan<char> line, int lineNumber) => Add(line, lineNumber, ShapeHash(line));

    /// <summary>As <see cref="Add(ReadOnlySpan{char}, int)"/> with the line's <see cref="ShapeHash"/> already computed.</summary>
    public LineTemplate? Add(ReadOnlySpan<char> line, int lineNumber, ulong shape)
    {
        // A trainer prints the same shape thousands of times: a line whose text, numbers aside, was seen before
        // goes to that line's template without tokenizing (one pass over the characters).
        if (_byShape.TryGetValue(shape, out var known))
        {
            known.Count++;
            return known;
        }
        var template = Learn(line, lineNumber);
        if (template is not null)
        {
            if (_byShape.Count >= MaxCachedShapes) _byShape.Clear();
            _byShape[shape] = template;
        }
        return template;
    }

    /// <summary>FNV-1a over the line with every run of digits (and the dots and signs inside numbers) as one mark.</summary>
    public static ulong ShapeHash(ReadOnlySpan<char> line)
    {
        var hash = 14695981039346656037UL;
        var inNumber = false;
        foreach (var c in line)
        {
            if (char.IsAsciiDigit(c) || (inNumber && c is '.' or 'e' or 'E' or '-' or '+'))
            {
                if (!inNumber) { hash = (hash ^ '#') * 1099511628211UL; inNumber = true; }
                continue;
            }
            inNumber = false;
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }

    private LineTemplate? Learn(ReadOnlySpan<char> line, int lineNumber)
    {
        Tokenize(line, _tokens);
        if (_tokens.Count == 0) return null;
        if (!_byLength.TryGetValue(_tokens.Count, out var node)) _byLength[_tokens.Count] = node = new Node();
        for (var depth = 0; depth < PrefixDepth && depth < _tokens.Count; depth++)
        {
            var key = IsVariable(_tokens[depth]) ? LineTemplate.Wildcard : _tokens[depth];
            if (!node.Children.TryGetValue(key, out var child))
            {
                if (node.Children.Count >= MaxChildren && !node.Children.TryGetValue(LineTemplate.Wildcard, out child))
                {
                    node.Children[LineTemplate.Wildcard] = child = new Node();
                }
                else if (child is null)
                {
                    node.Children[key] = child = new Node();
                }
            }
            node = child;
        }

        LineTemplate? best = null;
        var bestScore = -1.0;
        foreach (var t in node.Leaf)
        {
            var score = Similarity(t.Tokens, _tokens);
            if (score > bestScore) { best = t; bestScore = score; }
        }
        if (best is not null && bestScore >= SimilarityThreshold)
        {
            Merge(best.Tokens, _tokens);
            best.Count++;
            return best;
        }
        if (_templates.Count >= MaxTemplates || node.Leaf.Count >= MaxLeafTemplates)
        {
            Unassigned++;
            return null;
        }
        var tokens = new string[_tokens.Count];
        for (var i = 0; i < tokens.Length; i++) tokens[i] = _tokens[i];
        var created = new LineTemplate(_templates.Count, tokens, line.Length > 300 ? line[..300].ToString() + "…" : line.ToString(), lineNumber) { Count = 1 };
        node.Leaf.Add(created);
        _templates.Add(created);
        return created;
    }

    /// <summary>Whitespace tokens, at most <see cref="MaxTokens"/> (the tail of a very long line is one token).</summary>
    internal static void Tokenize(ReadOnlySpan<char> line, List<string> tokens)
    {
        tokens.Clear();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            var start = i;
            if (tokens.Count == MaxTokens - 1)
            {
                tokens.Add(LineTemplate.Wildcard);
                return;
            }
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            tokens.Add(Mask(line[start..i]));
        }
    }

    /// <summary>
    /// The numbers of a token become wildcards and its words stay: <c>loss=2.3,</c> → <c>loss=&lt;*&gt;,</c>, so
    /// <c>[step=10/1000]</c> and <c>optim/grad_norm=3.9</c> are different shapes although both are one token.
    /// </summary>
    internal static string Mask(ReadOnlySpan<char> token)
    {
        if (token.IndexOfAnyInRange('0', '9') < 0) return token.ToString();
        var sb = new System.Text.StringBuilder(token.Length + 4);
        var i = 0;
        while (i < token.Length)
        {
            if (char.IsAsciiDigit(token[i]) || (token[i] is '-' or '+' or '.' && i + 1 < token.Length && char.IsAsciiDigit(token[i + 1]) && (i == 0 || !char.IsLetterOrDigit(token[i - 1]))))
            {
                var j = i + 1;
                while (j < token.Length && (char.IsAsciiDigit(token[j]) || token[j] is '.' or ',' && j + 1 < token.Length && char.IsAsciiDigit(token[j + 1])
                       || token[j] is 'e' or 'E' && j + 1 < token.Length && (char.IsAsciiDigit(token[j + 1]) || token[j + 1] is '-' or '+'))) j++;
                if (j < token.Length && token[j] is '-' or '+' && j > 0 && token[j - 1] is 'e' or 'E') { j++; while (j < token.Length && char.IsAsciiDigit(token[j])) j++; }
                sb.Append(LineTemplate.Wildcard);
                i = j;
                continue;
            }
            sb.Append(token[i]);
            i++;
        }
        var masked = sb.ToString();
        return masked == LineTemplate.Wildcard ? LineTemplate.Wildcard : masked;
    }

    /// <summary>A token that is a number varies from line to line (a value, a step, a time).</summary>
    internal static bool IsVariable(ReadOnlySpan<char> token) => token.SequenceEqual(LineTemplate.Wildcard);

    private static double Similarity(string[] template, List<string> tokens)
    {
        var same = 0;
        var constant = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (ReferenceEquals(template[i], LineTemplate.Wildcard) || template[i] == LineTemplate.Wildcard) { same++; continue; }
            constant++;
            if (template[i] == tokens[i]) same++;
        }
        // A line of numbers only matches anything of its length; require some shared words when there are any.
        if (constant > 0 && same == template.Length - constant) return 0;
        return (double)same / template.Length;
    }

    private static void Merge(string[] template, List<string> tokens)
    {
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != LineTemplate.Wildcard && template[i] != tokens[i]) template[i] = LineTemplate.Wildcard;
        }
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public List<LineTemplate> Leaf { get; } = [];
    }
}
