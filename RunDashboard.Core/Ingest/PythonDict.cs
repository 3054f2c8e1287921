namespace RunDashboard.Core.Ingest;

/// <summary>
/// Walks the pairs of a Python dict literal as Trainer prints it (<c>{'loss': 0.68, 'epoch': 0.01}</c>) or a JSON
/// object on one line, without allocating: keys and values are spans into the line.
/// </summary>
public ref struct PythonDict
{
    private readonly ReadOnlySpan<char> _text;
    private int _pos;

    /// <param name="text">Text starting at the opening brace.</param>
    public PythonDict(ReadOnlySpan<char> text)
    {
        _text = text;
        _pos = 1;
    }

    public ReadOnlySpan<char> Key { get; private set; }
    public ReadOnlySpan<char> Value { get; private set; }

    /// <summary>True when the value was quoted (a string, not a number).</summary>
    public bool ValueIsString { get; private set; }

    /// <summary>True after <see cref="MoveNext"/> returned false at the closing brace; false when the text was cut or malformed.</summary>
    public bool Closed { get; private set; }

    public bool MoveNext()
    {
        SkipSpaces();
        if (_pos >= _text.Length) return false;
        if (_text[_pos] == '}') { Closed = true; return false; }
        var quote = _text[_pos];
        if (quote is not ('\'' or '"')) return false;
        var keyEnd = _text[(_pos + 1)..].IndexOf(quote);
        if (keyEnd < 0) return false;
        Key = _text.Slice(_pos + 1, keyEnd);
        _pos += keyEnd + 2;
        SkipSpaces();
        if (_pos >= _text.Length || _text[_pos] != ':') return false;
        _pos++;
        SkipSpaces();
        if (_pos >= _text.Length) return false;

        ValueIsString = _text[_pos] is '\'' or '"';
        if (ValueIsString)
        {
            var q = _text[_pos];
            var end = _text[(_pos + 1)..].IndexOf(q);
            if (end < 0) return false;
            Value = _text.Slice(_pos + 1, end);
            _pos += end + 2;
        }
        else
        {
            var start = _pos;
            var depth = 0;
            while (_pos < _text.Length)
            {
                var c = _text[_pos];
                if (c is '(' or '[' or '{') depth++;
                else if (c is ')' or ']') depth--;
                else if (c == '}') { if (depth == 0) break; depth--; }
                else if (c == ',' && depth == 0) break;
                _pos++;
            }
            Value = _text[start.._pos].Trim();
            // tensor(0.5123, device='cuda:0') → 0.5123
            if (Value.StartsWith("tensor(", StringComparison.Ordinal))
            {
                var inner = Value[7..];
                var stop = inner.IndexOfAny(',', ')');
                Value = (stop < 0 ? inner : inner[..stop]).Trim();
            }
        }
        SkipSpaces();
        if (_pos < _text.Length && _text[_pos] == ',') _pos++;
        return true;
    }

    private void SkipSpaces()
    {
        while (_pos < _text.Length && _text[_pos] == ' ') _pos++;
    }
}
