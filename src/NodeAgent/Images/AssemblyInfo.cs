using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Flotilla.NodeAgent.Tests")]
