Console.Error.WriteLine("flotilla: not implemented yet");
return 2;
