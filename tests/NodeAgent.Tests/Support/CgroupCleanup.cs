namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>Removes a test agent's cgroup parent (<c>flotilla/&lt;node-id&gt;</c>) from every hierarchy.</summary>
public static class CgroupCleanup
{
    public static void RemoveNode(string nodeId)
    {
        var hierarchies = Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [];
        foreach (var hierarchy in hierarchies.Append("/sys/fs/cgroup"))
        {
            var parent = Path.Combine(hierarchy, "flotilla", nodeId);
            if (!Directory.Exists(parent))
            {
                continue;
            }

            foreach (var child in Directory.GetDirectories(parent))
            {
                Directory.Delete(child);
            }

            Directory.Delete(parent);
        }
    }
}
