using System.Runtime.InteropServices;
using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// The user process, fully prepared (paths resolved, strings and the BPF program in native memory) so
/// that the last steps before execve allocate nothing: after the seccomp filter is on, only system
/// calls run.
/// </summary>
internal sealed unsafe class UserProcess
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly List<nint> _native = [];
    private byte* _path;
    private byte** _argv;
    private byte** _envp;
    private uint* _groups;
    private int _groupCount;
    private uint _uid, _gid;
    private int _umask;
    private ulong _bounding, _effective, _permitted, _inheritable, _ambient;
    private int _lastCap;
    private bool _noNewPrivileges;
    private byte* _seccompProgram;
    private uint _seccompFlags;
    private IReadOnlyList<(int Resource, ulong Soft, ulong Hard)> _rlimits = [];

    private UserProcess() { }

    public static UserProcess Prepare(RuntimeSpec spec)
    {
        var process = spec.Process!;
        var user = process.User ?? new UserSpec();
        var env = WithHome(process.Env ?? [], user.Uid);
        var executable = Resolve(process.Args![0], env);
        var caps = process.Capabilities;
        var result = new UserProcess
        {
            _uid = (uint)user.Uid,
            _gid = (uint)user.Gid,
            _umask = user.Umask ?? 0x12,
            _bounding = Capabilities.Mask(caps?.Bounding),
            _effective = Capabilities.Mask(caps?.Effective),
            _permitted = Capabilities.Mask(caps?.Permitted),
            _inheritable = Capabilities.Mask(caps?.Inheritable),
            _ambient = Capabilities.Mask(caps?.Ambient),
            _lastCap = Capabilities.LastCap(),
            _noNewPrivileges = process.NoNewPrivileges,
            _rlimits = (process.Rlimits ?? []).Select(r => (Rlimits.Number(r.Type)!.Value, r.Soft, r.Hard)).ToList(),
        };
        result._path = result.Utf8(executable);
        result._argv = result.Array(process.Args!);
        result._envp = result.Array(env);
        var groups = user.AdditionalGids ?? [];
        result._groupCount = groups.Count;
        result._groups = (uint*)result.Alloc(Math.Max(1, groups.Count) * sizeof(uint));
        for (var i = 0; i < groups.Count; i++)
        {
            result._groups[i] = (uint)groups[i];
        }
        if (spec.Linux?.Seccomp is { } seccomp)
        {
            var program = SeccompCompiler.Compile(seccomp);
            var filter = (ulong*)result.Alloc(program.Count * 8);
            for (var i = 0; i < program.Count; i++)
            {
                var insn = program[i];
                filter[i] = insn.Code | ((ulong)insn.Jt << 16) | ((ulong)insn.Jf << 24) | ((ulong)insn.K << 32);
            }
            var fprog = (byte*)result.Alloc(16);
            *(ushort*)fprog = (ushort)program.Count;
            *(ulong**)(fprog + 8) = filter;
            result._seccompProgram = fprog;
            foreach (var flag in seccomp.Flags ?? [])
            {
                result._seccompFlags |= flag switch { "SECCOMP_FILTER_FLAG_LOG" => 2u, "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => 4u, _ => 0u };
            }
        }
        return result;
    }

    /// <summary>Enters <paramref name="cwd"/>, closes every inherited fd, drops privileges and execs.</summary>
    public void Exec(string cwd)
    {
        var limits = stackalloc ulong[2];
        foreach (var (resource, soft, hard) in _rlimits)
        {
            limits[0] = soft;
            limits[1] = hard;
            if (Libc.Setrlimit(resource, limits) != 0)
            {
                throw RuntimeException.FromErrno($"setting rlimit {resource}", Libc.Errno);
            }
        }
        if (Libc.Chdir(cwd) != 0)
        {
            throw RuntimeException.FromErrno($"entering process.cwd {cwd}", Libc.Errno);
        }
        // CVE-2024-21626: the working directory must be inside the container's root.
        var buffer = stackalloc byte[4096];
        if (Libc.Getcwd(buffer, 4096) == null || buffer[0] != (byte)'/')
        {
            throw new RuntimeException($"process.cwd {cwd} is not inside the container's root filesystem");
        }
        // No host descriptor may reach the user process: everything past stdio closes on exec.
        if (Libc.Syscall(Sys.CloseRange, 3, uint.MaxValue, Sys.CloseRangeCloexec, 0, 0, 0) != 0)
        {
            throw RuntimeException.FromErrno("close_range", Libc.Errno);
        }
        if (_seccompProgram != null && !_noNewPrivileges)
        {
            // Without no_new_privs the filter needs CAP_SYS_ADMIN, which goes away below.
            InstallSeccomp();
        }
        Check(Libc.Prctl(Sys.PR_SET_KEEPCAPS, 1, 0, 0, 0), "keeping capabilities across setuid");
        Capabilities.DropBounding(_bounding, _lastCap);
        Check((int)Libc.Syscall(Sys.Setgroups, _groupCount, (long)_groups, 0, 0, 0, 0), "setting additional groups");
        Check((int)Libc.Syscall(Sys.Setresgid, _gid, _gid, _gid, 0, 0, 0), $"setting gid {_gid}");
        Check((int)Libc.Syscall(Sys.Setresuid, _uid, _uid, _uid, 0, 0, 0), $"setting uid {_uid}");
        Check(Libc.Prctl(Sys.PR_SET_KEEPCAPS, 0, 0, 0, 0), "clearing keep-capabilities");
        Capabilities.Set(_effective, _permitted, _inheritable);
        // Like runc: an ambient capability outside permitted ∩ inheritable cannot be raised and is left out.
        Capabilities.RaiseAmbient(_ambient & _permitted & _inheritable, _lastCap);
        if (_noNewPrivileges)
        {
            Check(Libc.Prctl(Sys.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "setting no_new_privs");
        }
        _ = Libc.Umask(_umask);
        if (_seccompProgram != null && _noNewPrivileges)
        {
            InstallSeccomp();
        }
        Libc.Execve(_path, _argv, _envp);
        var errno = Libc.Errno;
        throw RuntimeException.FromErrno($"exec {Marshal.PtrToStringUTF8((nint)_path)}", errno);
    }

    private void InstallSeccomp()
    {
        if (Libc.Syscall(Sys.Seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, _seccompFlags, (long)_seccompProgram, 0, 0, 0) != 0)
        {
            throw RuntimeException.FromErrno("installing the seccomp filter", Libc.Errno);
        }
    }

    /// <summary>The executable as runc finds it: a path with a slash as is, a bare name through the spec's PATH.</summary>
    internal static string Resolve(string program, IReadOnlyList<string> env, string root = "")
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(root + program)
                ? program
                : throw new RuntimeException($"exec: \"{program}\": stat {program}: no such file or directory");
        }
        var path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(root + candidate) && (File.GetUnixFileMode(root + candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        throw new RuntimeException($"exec: \"{program}\": executable file not found in $PATH");
    }

    /// <summary>Like runc: without HOME in the spec, the user's home from the container's /etc/passwd (or /).</summary>
    internal static IReadOnlyList<string> WithHome(IReadOnlyList<string> env, long uid, string root = "")
    {
        if (env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            return env;
        }
        var home = "/";
        try
        {
            foreach (var line in File.ReadLines(root + "/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length >= 6 && long.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var id) && id == uid)
                {
                    home = fields[5];
                    break;
                }
            }
        }
        catch (IOException)
        {
            // no /etc/passwd in the image: HOME=/
        }
        catch (UnauthorizedAccessException)
        {
            // unreadable /etc/passwd: HOME=/
        }
        return [.. env, "HOME=" + home];
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw RuntimeException.FromErrno(what, Libc.Errno);
        }
    }

    private void* Alloc(int size)
    {
        var p = Marshal.AllocHGlobal(size);
        _native.Add(p);
        return (void*)p;
    }

    private byte* Utf8(string s)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(s);
        var p = (byte*)Alloc(bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        return p;
    }

    private byte** Array(IReadOnlyList<string> items)
    {
        var array = (byte**)Alloc((items.Count + 1) * sizeof(nint));
        for (var i = 0; i < items.Count; i++)
        {
            array[i] = Utf8(items[i]);
        }
        array[items.Count] = null;
        return array;
    }
}
