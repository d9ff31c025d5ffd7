using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Flotilla.Contracts.Specs;

/// <summary>
/// A label expression a node must satisfy: <c>key == value</c>, <c>key != value</c>,
/// <c>key in (a, b)</c>, <c>key</c> (label present) or <c>!key</c> (label absent).
/// </summary>
public sealed partial record PlacementConstraint(string Key, ConstraintOperator Operator, IReadOnlyList<string> Values)
{
    [GeneratedRegex(@"^(?<key>[A-Za-z0-9][A-Za-z0-9._/-]*)\s*(?<op>==|!=)\s*(?<value>[A-Za-z0-9][A-Za-z0-9._-]*)$")]
    private static partial Regex Comparison();

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9][A-Za-z0-9._/-]*)\s+(?<op>in|notin)\s*\((?<values>[^()]*)\)$")]
    private static partial Regex Membership();

    [GeneratedRegex(@"^(?<not>!)?\s*(?<key>[A-Za-z0-9][A-Za-z0-9._/-]*)$")]
    private static partial Regex Existence();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex LabelValue();

    public static bool TryParse(string? text, [NotNullWhen(true)] out PlacementConstraint? constraint)
    {
        constraint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var match = Comparison().Match(trimmed);
        if (match.Success)
        {
            var op = match.Groups["op"].Value == "==" ? ConstraintOperator.Equal : ConstraintOperator.NotEqual;
            constraint = new PlacementConstraint(match.Groups["key"].Value, op, [match.Groups["value"].Value]);
            return true;
        }

        match = Membership().Match(trimmed);
        if (match.Success)
        {
            var values = match.Groups["values"].Value.Split(',', StringSplitOptions.TrimEntries);
            if (values.Length == 0 || !values.All(v => LabelValue().IsMatch(v)))
            {
                return false;
            }

            var op = match.Groups["op"].Value == "in" ? ConstraintOperator.In : ConstraintOperator.NotIn;
            constraint = new PlacementConstraint(match.Groups["key"].Value, op, values);
            return true;
        }

        match = Existence().Match(trimmed);
        if (match.Success)
        {
            var op = match.Groups["not"].Success ? ConstraintOperator.Absent : ConstraintOperator.Present;
            constraint = new PlacementConstraint(match.Groups["key"].Value, op, []);
            return true;
        }

        return false;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            ConstraintOperator.Equal => has && value == Values[0],
            ConstraintOperator.NotEqual => !has || value != Values[0],
            ConstraintOperator.In => has && Values.Contains(value),
            ConstraintOperator.NotIn => !has || !Values.Contains(value),
            ConstraintOperator.Present => has,
            ConstraintOperator.Absent => !has,
            _ => false,
        };
    }

    public override string ToString() => Operator switch
    {
        ConstraintOperator.Equal => $"{Key} == {Values[0]}",
        ConstraintOperator.NotEqual => $"{Key} != {Values[0]}",
        ConstraintOperator.In => $"{Key} in ({string.Join(", ", Values)})",
        ConstraintOperator.NotIn => $"{Key} notin ({string.Join(", ", Values)})",
        ConstraintOperator.Present => Key,
        _ => $"!{Key}",
    };
}
