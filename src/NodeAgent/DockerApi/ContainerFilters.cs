using System.Text.Json;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>The <c>filters</c> of <c>GET /containers/json</c>: name, id, label (key or key=value), status.</summary>
internal sealed record ContainerFilters(IReadOnlyDictionary<string, IReadOnlyList<string>> Values)
{
    public static ContainerFilters Parse(string json)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return new ContainerFilters(values);
        }

        using var document = JsonDocument.Parse(json);
        foreach (var filter in document.RootElement.EnumerateObject())
        {
            // Both {"name":["a"]} and the older {"name":{"a":true}} forms.
            values[filter.Name] = filter.Value.ValueKind == JsonValueKind.Array
                ? [.. filter.Value.EnumerateArray().Select(v => v.GetString() ?? "")]
                : [.. filter.Value.EnumerateObject().Select(p => p.Name)];
        }

        return new ContainerFilters(values);
    }

    public bool Matches(ContainerRecord record)
    {
        foreach (var (key, wanted) in Values)
        {
            var matched = key switch
            {
                "name" => wanted.Any(w => record.Name.Contains(w.TrimStart('/'), StringComparison.Ordinal)),
                "id" => wanted.Any(w => record.Id.StartsWith(w, StringComparison.Ordinal)),
                "status" => wanted.Contains(ContainerJson.StateName(record.State)),
                "label" => wanted.All(w => w.Split('=', 2) is var parts && record.Spec.Labels.TryGetValue(parts[0], out var value) && (parts.Length == 1 || value == parts[1])),
                "ancestor" => wanted.Any(w => record.Spec.Image == w || record.ImageId.Contains(w, StringComparison.Ordinal)),
                _ => true,
            };
            if (!matched)
            {
                return false;
            }
        }

        return true;
    }
}
