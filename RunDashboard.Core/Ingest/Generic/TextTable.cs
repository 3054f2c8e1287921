using System.Globalization;
using System.Text;

namespace RunDashboard.Core.Ingest.Generic;

/// <summary>
/// A table printed as text: a header of column names (on one line, or split over two as Vowpal Wabbit prints
/// <c>average</c> above <c>loss</c>), then rows of numbers in the same columns, separated by tabs or spaces
/// (fastai's <c>epoch train_loss valid_loss accuracy time</c>). A row names none of its numbers, so the generic
/// reader would find no metric on it; each row is rewritten as <c>name: value | name: value …</c>, which it reads
/// like any metric line. A line that is neither a header nor a row of the table ends it.
/// </summary>
internal sealed class TextTable
{
    private const int MinColumns = 3;

    private string[]? _pending;
    private string[]? _columns;
    private readonly StringBuilder _row = new();

    /// <summary>The line as the generic reader should read it: a table row rewritten with its column names, or the line itself.</summary>
    public ReadOnlySpan<char> Rewrite(ReadOnlySpan<char> line)
    {
        // Header names hold no digits: with no table open, a line with digits is no business of the table's.
        if (_pending is null && _columns is null && line.IndexOfAnyInRange('0', '9') >= 0) return line;
        var cells = Cells(line);
        if (cells is null)
        {
            _pending = _columns = null;
            return line;
        }
        if (IsHeader(cells))
        {
            // A second header line of as many names continues the first: the names are read downwards.
            _columns = null;
            _pending = _pending is { } first && first.Length == cells.Length && !ReferenceEquals(first, cells)
                ? [.. first.Select((name, i) => name + " " + cells[i])]
                : cells;
            return line;
        }
        var columns = _columns ?? _pending;
        if (columns is null || cells.Length != columns.Length || !IsRow(cells))
        {
            _pending = _columns = null;
            return line;
        }
        _columns ??= ValidationAfterValidLoss(columns);
        _pending = null;
        _row.Clear();
        for (var i = 0; i < cells.Length; i++)
        {
            if (!IsNumber(cells[i])) continue;
            if (_row.Length > 0) _row.Append(" | ");
            _row.Append(_columns[i]).Append(": ").Append(cells[i]);
        }
        return _row.ToString();
    }

    private static readonly string[] ValidationPrefixes = ["valid_", "val_", "validation_", "eval_"];

    /// <summary>
    /// fastai prints <c>epoch train_loss valid_loss accuracy time</c>: the metrics after the validation loss are
    /// computed on the validation set, and named so; a column that says its own split keeps it.
    /// </summary>
    private static string[] ValidationAfterValidLoss(string[] columns)
    {
        var first = Array.FindIndex(columns, c => ValidationPrefixes.Any(p => c.StartsWith(p, StringComparison.OrdinalIgnoreCase)));
        if (first < 0) return columns;
        return [.. columns.Select((c, i) => i <= first || c.Contains('_') || StepNames.Rank(c) >= 0 || c.Equals("time", StringComparison.OrdinalIgnoreCase) ? c : "valid_" + c)];
    }

    private static string[]? Cells(ReadOnlySpan<char> line)
    {
        var text = line.Trim();
        if (text.IsEmpty) return null;
        var cells = text.ToString().Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return cells.Length >= MinColumns ? cells : null;
    }

    /// <summary>Every cell a name: starts with a letter, holds no digit, is not a number.</summary>
    private static bool IsHeader(string[] cells) =>
        cells.All(c => char.IsLetter(c[0]) && !IsNumber(c) && c.AsSpan().IndexOfAny(':', '=', ',') < 0 && c.AsSpan().IndexOfAnyInRange('0', '9') < 0)
        && cells.Distinct().Count() > 1;

    /// <summary>Every cell a number or a time (<c>00:03</c>), at least one a number.</summary>
    private static bool IsRow(string[] cells) => cells.All(c => IsNumber(c) || IsTime(c)) && cells.Any(IsNumber);

    private static bool IsNumber(string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || Numbers.TryParse(cell, out _);

    /// <summary><c>00:03</c>, <c>1:02:03</c>: a duration column (fastai's time), not read as a metric.</summary>
    private static bool IsTime(string cell)
    {
        var parts = cell.Split(':');
        return parts.Length is 2 or 3 && parts.All(p => p.Length is > 0 and <= 2 && p.All(char.IsAsciiDigit));
    }
}
