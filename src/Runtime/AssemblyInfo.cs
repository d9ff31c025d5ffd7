// flotilla-runtime drives Linux kernel interfaces only (namespaces, cgroups, mount, seccomp).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
