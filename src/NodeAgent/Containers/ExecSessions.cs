using System.Collections.Concurrent;
using System.Security.Cryptography;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// Exec sessions: created against a running container, then started once through <c>runtime exec</c>,
/// which lives only as long as the exec'd process.
/// </summary>
public sealed class ExecSessions(ContainerEngine engine, OciRuntime runtime)
{
    private readonly ConcurrentDictionary<string, ExecSession> _sessions = new(StringComparer.Ordinal);

    public ExecSession Create(string container, IReadOnlyList<string> args, IReadOnlyList<string> env, string? user, string? workingDir, bool attachStdin, bool attachStdout, bool attachStderr)
    {
        var record = engine.Get(container);
        if (record.State != ContainerState.Running)
        {
            throw new InvalidContainerStateException(record.Name, record.State, "exec in");
        }

        if (args.Count == 0)
        {
            throw new InvalidRunOptionsException("exec: a command is required");
        }

        var session = new ExecSession
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ContainerId = record.Id,
            Args = args,
            Env = env,
            User = user,
            WorkingDir = workingDir,
            AttachStdin = attachStdin,
            AttachStdout = attachStdout,
            AttachStderr = attachStderr,
        };
        _sessions[session.Id] = session;
        return session;
    }

    public ExecSession Get(string id) =>
        _sessions.TryGetValue(id, out var session) ? session : throw new ExecNotFoundException(id);

    /// <summary>
    /// Runs the session's process, passing <paramref name="stdin"/> to it and its output to
    /// <paramref name="output"/> (one call at a time). Returns the exit code.
    /// </summary>
    public async Task<int> RunAsync(string id, Stream? stdin, Func<LogStream, ReadOnlyMemory<byte>, CancellationToken, ValueTask> output, CancellationToken cancellationToken)
    {
        var session = Get(id);
        if (session.Running || session.ExitCode is not null)
        {
            throw new InvalidOperationException($"exec {id[..12]} has already been started");
        }

        var container = engine.Get(session.ContainerId);
        if (container.State != ContainerState.Running)
        {
            throw new InvalidContainerStateException(container.Name, container.State, "exec in");
        }

        var paths = engine.PathsOf(container.Id);
        var env = container.Env.Concat(session.Env).ToList();
        var (uid, gid) = ProcessHook.ResolveUser(paths.Rootfs, session.User ?? container.User);
        var cwd = string.IsNullOrEmpty(session.WorkingDir) ? (string.IsNullOrEmpty(container.WorkingDir) ? "/" : container.WorkingDir) : session.WorkingDir;
        var processFile = Path.Combine(paths.Directory, $"exec-{id[..12]}.json");
        await File.WriteAllTextAsync(processFile, new OciBundleSpec().RenderProcess(session.Args, env, cwd, uid, gid).ToJsonString(), cancellationToken);
        try
        {
            using var process = runtime.StartExec(container.Id, processFile);
            _sessions[id] = session with { Running = true, Pid = process.Id };
            var gate = new SemaphoreSlim(1, 1);
            async Task PumpAsync(Stream from, LogStream stream, bool attached)
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if (!attached)
                    {
                        continue;
                    }

                    await gate.WaitAsync(cancellationToken);
                    try
                    {
                        await output(stream, buffer.AsMemory(0, read), cancellationToken);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }

            var stdout = PumpAsync(process.StandardOutput.BaseStream, LogStream.Stdout, session.AttachStdout);
            var stderr = PumpAsync(process.StandardError.BaseStream, LogStream.Stderr, session.AttachStderr);
            if (stdin is not null && session.AttachStdin)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await stdin.CopyToAsync(process.StandardInput.BaseStream, cancellationToken);
                    }
                    catch (IOException)
                    {
                        // The process exited or the client went away.
                    }
                    catch (OperationCanceledException)
                    {
                    }
                    finally
                    {
                        try
                        {
                            process.StandardInput.Close();
                        }
                        catch (IOException)
                        {
                        }
                    }
                }, CancellationToken.None);
            }
            else
            {
                process.StandardInput.Close();
            }

            await Task.WhenAll(stdout, stderr);
            await process.WaitForExitAsync(cancellationToken);
            _sessions[id] = session with { Running = false, ExitCode = process.ExitCode, Pid = process.Id };
            return process.ExitCode;
        }
        finally
        {
            File.Delete(processFile);
        }
    }
}
