// The runtime under test only exists on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
