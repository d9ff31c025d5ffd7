namespace Flotilla.TestSupport;

/// <summary>
/// What Testcontainers needs to talk to the Docker engine on these machines: Debian's docker.io
/// speaks API 1.41, and Ryuk's image cannot be pulled, so fixtures remove their own containers.
/// The fixtures call <see cref="Configure"/> before touching Testcontainers; values already set in
/// the environment win.
/// </summary>
public static class DockerEngine
{
    /// <summary>Sets <c>DOCKER_API_VERSION=1.41</c> and <c>TESTCONTAINERS_RYUK_DISABLED=true</c> unless set.</summary>
    public static void Configure()
    {
        SetDefault("DOCKER_API_VERSION", "1.41");
        SetDefault("TESTCONTAINERS_RYUK_DISABLED", "true");
    }

    private static void SetDefault(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
