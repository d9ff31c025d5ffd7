using Flotilla.Runtime;
using Flotilla.Runtime.Cli;

StageClock.Mark("main");
try
{
    var parsed = Arguments.Parse(args);
    return ContainerCommands.Dispatch(parsed);
}
catch (RuntimeException e)
{
    Console.Error.WriteLine($"flotilla-runtime: {e.Message}");
    return 1;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"flotilla-runtime: {e.Message}");
    return 1;
}
