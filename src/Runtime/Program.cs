using Flotilla.Runtime;
using Flotilla.Runtime.Cli;
using Flotilla.Runtime.Launch;

StageClock.Mark("main");
if (args.Length >= 1 && args[0] == "init")
{
    return InitStage.Run(args);
}

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
