using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Containers;

public sealed partial class ContainerEngine
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Created container {Name} ({Id}) from {Image}")]
        public static partial void Created(ILogger logger, string name, string id, string image);

        [LoggerMessage(2, LogLevel.Information, "Started container {Name}, pid {Pid}")]
        public static partial void Started(ILogger logger, string name, int pid);

        [LoggerMessage(3, LogLevel.Information, "Container {Name} exited with {ExitCode}")]
        public static partial void Exited(ILogger logger, string name, int exitCode);

        [LoggerMessage(4, LogLevel.Information, "Removed container {Name} ({Id})")]
        public static partial void Removed(ILogger logger, string name, string id);

        [LoggerMessage(5, LogLevel.Information, "Restarting container {Name} in {Delay} (restart {Count})")]
        public static partial void Restarting(ILogger logger, string name, TimeSpan delay, int count);

        [LoggerMessage(6, LogLevel.Warning, "Restart of container {Name} failed: {Error}")]
        public static partial void RestartFailed(ILogger logger, string name, string error);

        [LoggerMessage(7, LogLevel.Warning, "Hook step {Step} of container {Name} failed: {Error}")]
        public static partial void HookFailed(ILogger logger, string step, string name, string error);

        [LoggerMessage(8, LogLevel.Information, "Re-adopted running container {Name}, pid {Pid}")]
        public static partial void Adopted(ILogger logger, string name, int pid);

        [LoggerMessage(9, LogLevel.Warning, "Skipped unreadable container state {Path}: {Error}")]
        public static partial void UnreadableState(ILogger logger, string path, string error);

        [LoggerMessage(10, LogLevel.Warning, "Handling the exit of container {Name} failed: {Error}")]
        public static partial void ExitHandlingFailed(ILogger logger, string name, string error);

        [LoggerMessage(11, LogLevel.Debug, "Container {Name}: {Step} took {Milliseconds:0.00} ms")]
        public static partial void Step(ILogger logger, string name, string step, double milliseconds);

        [LoggerMessage(12, LogLevel.Warning, "Deleting the removed container directory {Path} failed: {Error}")]
        public static partial void TrashDeleteFailed(ILogger logger, string path, string error);
    }
}
