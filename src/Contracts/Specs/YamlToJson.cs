using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Flotilla.Contracts.Specs;

/// <summary>
/// Turns a YAML document into a JSON tree without reflection, so one source-generated JSON model
/// reads both formats. Plain scalars stay strings (the model's number handling reads them);
/// true/false become booleans, null and ~ become null.
/// </summary>
internal static class YamlToJson
{
    public static JsonNode? Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0)
        {
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            throw new SpecFormatException("(document)", "holds more than one YAML document; write one workload per file");
        }

        return ToNode(stream.Documents[0].RootNode, depth: 0);
    }

    private static JsonNode? ToNode(YamlNode node, int depth)
    {
        if (depth > 32)
        {
            throw new SpecFormatException("(document)", "is nested too deeply");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw new SpecFormatException($"line {key.Start.Line}", "a mapping key must be a plain string");
                    }

                    if (obj.ContainsKey(name))
                    {
                        throw new SpecFormatException(name, $"is given twice (line {key.Start.Line})");
                    }

                    obj[name] = ToNode(value, depth + 1);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToNode(item, depth + 1));
                }

                return array;
            case YamlScalarNode scalar:
                if (scalar.Style is ScalarStyle.Plain)
                {
                    switch (scalar.Value)
                    {
                        case null or "" or "~" or "null" or "Null" or "NULL":
                            return null;
                        case "true" or "True" or "TRUE":
                            return JsonValue.Create(true);
                        case "false" or "False" or "FALSE":
                            return JsonValue.Create(false);
                        default:
                            break;
                    }
                }

                return JsonValue.Create(scalar.Value ?? string.Empty);
            default:
                throw new SpecFormatException($"line {node.Start.Line}", "uses a YAML feature specs do not support (aliases, tags)");
        }
    }
}
