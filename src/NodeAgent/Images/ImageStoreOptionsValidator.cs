using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Images;

/// <summary>Fails the agent at start-up, naming the setting to fix, when the image store options are unusable.</summary>
internal sealed class ImageStoreOptionsValidator : IValidateOptions<ImageStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, ImageStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.StateDirectory) || !Path.IsPathFullyQualified(options.StateDirectory))
        {
            failures.Add($"Images:StateDirectory must be an absolute path (got '{options.StateDirectory}').");
        }

        if (options.AuthConfigPath is { } authPath)
        {
            try
            {
                RegistryCredentialStore.Load(authPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                failures.Add($"Images:AuthConfigPath: {e.Message}");
            }
        }

        if (options.Platform.Split('/') is not ({ Length: 2 } or { Length: 3 }) || options.Platform.Split('/').Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"Images:Platform must be os/architecture[/variant], e.g. linux/amd64 (got '{options.Platform}').");
        }

        if (options.MaxConcurrentDownloads is < 1 or > 32)
        {
            failures.Add($"Images:MaxConcurrentDownloads must be between 1 and 32 (got {options.MaxConcurrentDownloads}).");
        }

        if (options.DownloadAttempts is < 1 or > 20)
        {
            failures.Add($"Images:DownloadAttempts must be between 1 and 20 (got {options.DownloadAttempts}).");
        }

        if (options.MaxLayerSize < 1)
        {
            failures.Add($"Images:MaxLayerSize must be a positive number of bytes (got {options.MaxLayerSize}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
