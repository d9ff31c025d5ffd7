using System.Runtime.InteropServices;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>
/// Runs synchronous work on a thread of its own that has joined a network namespace (setns affects only the
/// calling thread): tcx attachments name interfaces by index, and an index means something only in one namespace.
/// </summary>
internal static partial class NamespaceThread
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(nint fd, int namespaceType);

    /// <summary>Runs <paramref name="work"/> in the namespace at <paramref name="namespacePath"/>, or in the agent's own when null.</summary>
    public static Task<T> RunAsync<T>(string? namespacePath, Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                if (namespacePath is not null)
                {
                    using var handle = File.OpenHandle(namespacePath);
                    if (SetNs(handle.DangerousGetHandle(), CloneNewNet) != 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        throw new NetworkingException($"cannot enter network namespace {namespacePath}: {Marshal.GetPInvokeErrorMessage(errno)}");
                    }
                }

                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "flotilla-fastpath",
        };
        thread.Start();
        return completion.Task;
    }
}
