using System.Runtime.Versioning;

// The agent drives Linux namespaces, cgroups and mounts: it runs on Linux only.
[assembly: SupportedOSPlatform("linux")]
