using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>
/// Creates sockets inside another network namespace: a short-lived thread joins it with setns(2) and opens
/// the socket there; the socket stays in that namespace after the thread ends, so the test uses it
/// normally. (No UDP tool ships with busybox-static here.)
/// </summary>
internal static partial class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    public static UdpClient CreateUdp(string namespacePath, int port)
    {
        UdpClient? client = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(namespacePath);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({namespacePath}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                client = new UdpClient(port, AddressFamily.InterNetwork);
            }
            catch (Exception e) when (e is InvalidOperationException or SocketException or IOException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return client ?? throw new InvalidOperationException($"cannot open a UDP socket in {namespacePath}", failure);
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetNs(int fd, int namespaceType);
}
