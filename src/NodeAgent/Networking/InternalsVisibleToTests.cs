using System.Runtime.CompilerServices;

// The IPAM, port allocation and file rendering are internal; their unit tests live in NodeAgent.Tests/Networking.
[assembly: InternalsVisibleTo("Flotilla.NodeAgent.Tests")]
