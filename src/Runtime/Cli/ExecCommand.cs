using Flotilla.Runtime.State;

namespace Flotilla.Runtime.Cli;

/// <summary><c>exec</c>: another process inside a running container.</summary>
internal static class ExecCommand
{
    public static int Run(StateStore store, Arguments args)
    {
        _ = store;
        _ = args;
        throw new RuntimeException("exec is not implemented yet");
    }
}
