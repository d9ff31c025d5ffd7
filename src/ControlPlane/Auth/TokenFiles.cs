using Flotilla.ControlPlane.Hosting;

namespace Flotilla.ControlPlane.Auth;

/// <summary>
/// Resolves the tokens: configured values win; in embedded mode a missing one is generated once into
/// the data directory (mode 0600) so a restart keeps it and the CLI on the same host can read it.
/// </summary>
public static class TokenFiles
{
    public const string ApiTokenFile = "api-token";
    public const string JoinTokenFile = "join-token";

    public static ApiTokens Resolve(ControlPlaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ApiTokens(
            options.ApiToken ?? ReadOrCreate(options, ApiTokenFile),
            options.JoinToken ?? ReadOrCreate(options, JoinTokenFile));
    }

    private static string ReadOrCreate(ControlPlaneOptions options, string file)
    {
        if (options.Mode != ControlPlaneMode.Embedded)
        {
            throw new InvalidOperationException($"ControlPlane:{(file == ApiTokenFile ? "ApiToken" : "JoinToken")} must be set in cluster mode");
        }

        Directory.CreateDirectory(options.DataDirectory);
        var path = Path.Combine(options.DataDirectory, file);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var token = ApiTokens.NewToken();
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(token);
        }

        return token;
    }
}
