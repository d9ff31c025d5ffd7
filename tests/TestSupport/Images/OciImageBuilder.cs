using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Flotilla.TestSupport.Images;

/// <summary>
/// Builds a real image (layers, config, manifest, all content-addressed) in memory:
/// <code>
/// var image = new OciImageBuilder()
///     .AddLayer(l => l.File("hello.txt", "hi"), LayerCompression.Gzip)
///     .WithCmd("cat", "/hello.txt")
///     .Build();
/// </code>
/// </summary>
public sealed class OciImageBuilder
{
    private readonly List<OciLayer> _layers = [];
    private readonly List<string> _env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
    private readonly SortedDictionary<string, string> _labels = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _exposedPorts = new(StringComparer.Ordinal);
    private string[]? _entrypoint;
    private string[]? _cmd;
    private string? _workingDir;
    private string? _user;
    private string _os = "linux";
    private string _architecture = HostArchitecture();
    private ManifestFormat _format = ManifestFormat.Oci;

    /// <summary>Adds a layer on top of the previous ones.</summary>
    public OciImageBuilder AddLayer(Action<LayerBuilder> build, LayerCompression compression = LayerCompression.Gzip, string? createdBy = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        var layer = new LayerBuilder();
        build(layer);
        var tar = layer.ToTar();
        var blob = new OciBlob(LayerMediaType(compression), Compress(tar, compression));
        _layers.Add(new OciLayer(blob, tar, compression, createdBy ?? $"flotilla-tests layer {_layers.Count + 1}"));
        return this;
    }

    /// <summary>Sets the entrypoint.</summary>
    public OciImageBuilder WithEntrypoint(params string[] entrypoint)
    {
        _entrypoint = entrypoint;
        return this;
    }

    /// <summary>Sets the default command (the entrypoint's arguments when there is one).</summary>
    public OciImageBuilder WithCmd(params string[] cmd)
    {
        _cmd = cmd;
        return this;
    }

    /// <summary>Adds an environment variable (PATH is set by default).</summary>
    public OciImageBuilder WithEnv(string name, string value)
    {
        _env.RemoveAll(e => e.StartsWith(name + "=", StringComparison.Ordinal));
        _env.Add($"{name}={value}");
        return this;
    }

    /// <summary>Sets the working directory.</summary>
    public OciImageBuilder WithWorkingDir(string workingDir)
    {
        _workingDir = workingDir;
        return this;
    }

    /// <summary>Sets the user (<c>uid[:gid]</c> or a name).</summary>
    public OciImageBuilder WithUser(string user)
    {
        _user = user;
        return this;
    }

    /// <summary>Declares an exposed port, e.g. 8000 → <c>8000/tcp</c>.</summary>
    public OciImageBuilder WithExposedPort(int port, string protocol = "tcp")
    {
        _exposedPorts.Add($"{port}/{protocol}");
        return this;
    }

    /// <summary>Adds a config label.</summary>
    public OciImageBuilder WithLabel(string name, string value)
    {
        _labels[name] = value;
        return this;
    }

    /// <summary>Sets the platform (default: linux and this machine's architecture, e.g. amd64).</summary>
    public OciImageBuilder WithPlatform(string os, string architecture)
    {
        _os = os;
        _architecture = architecture;
        return this;
    }

    /// <summary>Chooses OCI (default) or Docker schema 2 media types.</summary>
    public OciImageBuilder WithManifestFormat(ManifestFormat format)
    {
        _format = format;
        return this;
    }

    /// <summary>A copy of this builder, to derive several images from shared lower layers.</summary>
    public OciImageBuilder Clone()
    {
        var copy = new OciImageBuilder
        {
            _entrypoint = _entrypoint,
            _cmd = _cmd,
            _workingDir = _workingDir,
            _user = _user,
            _os = _os,
            _architecture = _architecture,
            _format = _format,
        };
        copy._layers.AddRange(_layers);
        copy._env.Clear();
        copy._env.AddRange(_env);
        copy._exposedPorts.UnionWith(_exposedPorts);
        foreach (var (name, value) in _labels)
        {
            copy._labels[name] = value;
        }

        return copy;
    }

    /// <summary>Builds the config and manifest over the layers added so far.</summary>
    public OciImage Build()
    {
        if (_format == ManifestFormat.Docker && _layers.Any(l => l.Compression != LayerCompression.Gzip))
        {
            throw new InvalidOperationException("Docker schema 2 manifests carry gzip layers only; use ManifestFormat.Oci for plain or zstd layers");
        }

        var config = new OciBlob(_format == ManifestFormat.Oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig, BuildConfig());
        var layers = _format == ManifestFormat.Oci
            ? _layers
            : [.. _layers.Select(l => new OciLayer(new OciBlob(MediaTypes.DockerLayerGzip, l.Blob.ContentArray), l.Tar.ToArray(), l.Compression, l.CreatedBy))];
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = _format == ManifestFormat.Oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest,
            ["config"] = config.ToDescriptor(),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)l.Blob.ToDescriptor())]),
        };
        var manifestBlob = new OciBlob((string)manifest["mediaType"]!, ImageJson.Serialize(manifest));
        return new OciImage(manifestBlob, config, layers, new OciPlatform(_os, _architecture));
    }

    internal static string LayerMediaType(LayerCompression compression) => compression switch
    {
        LayerCompression.None => MediaTypes.OciLayer,
        LayerCompression.Gzip => MediaTypes.OciLayerGzip,
        LayerCompression.Zstd => MediaTypes.OciLayerZstd,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    internal static byte[] Compress(byte[] tar, LayerCompression compression)
    {
        switch (compression)
        {
            case LayerCompression.None:
                return tar;
            case LayerCompression.Gzip:
                using (var output = new MemoryStream())
                {
                    using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
                    {
                        gzip.Write(tar);
                    }

                    return output.ToArray();
                }

            case LayerCompression.Zstd:
                using (var compressor = new ZstdSharp.Compressor(level: 3))
                {
                    return compressor.Wrap(tar).ToArray();
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(compression), compression, null);
        }
    }

    private byte[] BuildConfig()
    {
        var created = LayerBuilder.Timestamp.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var runConfig = new JsonObject();
        if (_user is not null)
        {
            runConfig["User"] = _user;
        }

        if (_exposedPorts.Count > 0)
        {
            runConfig["ExposedPorts"] = new JsonObject(_exposedPorts.Select(p => KeyValuePair.Create(p, (JsonNode?)new JsonObject())));
        }

        runConfig["Env"] = new JsonArray([.. _env.Select(e => (JsonNode)e)]);
        if (_entrypoint is not null)
        {
            runConfig["Entrypoint"] = new JsonArray([.. _entrypoint.Select(e => (JsonNode)e)]);
        }

        if (_cmd is not null)
        {
            runConfig["Cmd"] = new JsonArray([.. _cmd.Select(e => (JsonNode)e)]);
        }

        if (_workingDir is not null)
        {
            runConfig["WorkingDir"] = _workingDir;
        }

        if (_labels.Count > 0)
        {
            runConfig["Labels"] = new JsonObject(_labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        var config = new JsonObject
        {
            ["created"] = created,
            ["architecture"] = _architecture,
            ["os"] = _os,
            ["config"] = runConfig,
            ["rootfs"] = new JsonObject
            {
                ["type"] = "layers",
                ["diff_ids"] = new JsonArray([.. _layers.Select(l => (JsonNode)l.DiffId)]),
            },
            ["history"] = new JsonArray([.. _layers.Select(l => (JsonNode)new JsonObject { ["created"] = created, ["created_by"] = l.CreatedBy })]),
        };
        return ImageJson.Serialize(config);
    }

    private static string HostArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };
}
