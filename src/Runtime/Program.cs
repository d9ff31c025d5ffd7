Console.Error.WriteLine("flotilla-runtime: not implemented yet");
return 2;
