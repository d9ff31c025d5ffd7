using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace Flotilla.Contracts.Specs;

/// <summary>
/// Reads a spec from YAML or JSON text (JSON when it starts with '{') and validates it. The CLI,
/// REST and gRPC all go through here, so a spec means the same thing on every path.
/// </summary>
public static class WorkloadSpecParser
{
    /// <summary>The largest spec document accepted, in characters.</summary>
    public const int MaxLength = 256 * 1024;

    public static SpecParseResult Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            return SpecParseResult.Invalid(new SpecError("(document)", $"is larger than {MaxLength / 1024} KiB"));
        }

        try
        {
            var trimmed = text.AsSpan().TrimStart();
            var spec = trimmed.StartsWith("{")
                ? JsonSerializer.Deserialize(text, SpecJsonContext.Default.WorkloadSpec)
                : FromYaml(text);
            return spec is null
                ? SpecParseResult.Invalid(new SpecError("(document)", "is empty"))
                : Validate(spec);
        }
        catch (JsonException e)
        {
            return SpecParseResult.Invalid(new SpecError(FieldOf(e.Path), Describe(e)));
        }
        catch (SpecFormatException e)
        {
            return SpecParseResult.Invalid(new SpecError(e.Field, e.Reason));
        }
        catch (YamlException e)
        {
            return SpecParseResult.Invalid(new SpecError($"line {e.Start.Line}", $"is not valid YAML: {e.Message}"));
        }
    }

    /// <summary>Validates a spec that arrived already as an object.</summary>
    public static SpecParseResult Validate(WorkloadSpec spec)
    {
        var errors = WorkloadSpecValidator.Validate(spec);
        return errors.Count == 0 ? SpecParseResult.Valid(spec) : SpecParseResult.Invalid([.. errors]);
    }

    /// <summary>The spec as canonical JSON (camelCase, nulls left out).</summary>
    public static string ToJson(WorkloadSpec spec) => JsonSerializer.Serialize(spec, SpecJsonContext.Default.WorkloadSpec);

    private static WorkloadSpec? FromYaml(string text)
    {
        var node = YamlToJson.Convert(text);
        return node switch
        {
            null => null,
            JsonObject obj => obj.Deserialize(SpecJsonContext.Default.WorkloadSpec),
            _ => throw new SpecFormatException("(document)", "must be a mapping of fields (name, image, replicas, ...)"),
        };
    }

    private static string FieldOf(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$")
        {
            return "(document)";
        }

        var field = jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
        return field.Replace("['", ".", StringComparison.Ordinal).Replace("']", string.Empty, StringComparison.Ordinal).TrimStart('.');
    }

    private static string Describe(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "is not a known field";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return "has the wrong type (a number, a string, a list or a mapping is expected here)";
        }

        return e.InnerException is null && e.Path is not null ? "is not valid here" : $"is not valid JSON: {message}";
    }
}
