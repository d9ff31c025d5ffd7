using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// Prepares a <see cref="ChildProgram"/> in native memory: its ops, each with the words an error names
/// ("mounting proc on /proc"), and the process it becomes. Disposing frees the memory (after the clone
/// the child has its own copy).
/// </summary>
internal sealed unsafe class ChildProgramBuilder : IDisposable
{
    private readonly List<nint> _native = [];
    // A Docker-like config compiles to more than 128 ops: sized once instead of grown (and copied) six times.
    private readonly List<ChildOp> _ops = new(256);
    private readonly List<OpDescription> _descriptions = [];

    public ChildProgramBuilder()
    {
        Program = (ChildProgram*)Alloc(sizeof(ChildProgram));
        *Program = default;
        Program->FifoFd = -1;
        Program->TrampolineFd = -1;
        Program->EmptyPath = Utf8("");
    }

    public ChildProgram* Program { get; }

    public int Count => _ops.Count;

    /// <summary>What each op does, for errors the child reports by op index.</summary>
    public IReadOnlyList<OpDescription> Descriptions => _descriptions;

    /// <summary>Appends an op and returns its index (the handle later ops use for its result).</summary>
    public int Emit(string what, long number, params ReadOnlySpan<OpArg> args)
    {
        if (args.Length > 6)
        {
            throw new ArgumentException("a system call takes at most six arguments", nameof(args));
        }
        var op = new ChildOp { Number = number };
        for (var i = 0; i < args.Length; i++)
        {
            op.Args[i] = args[i].Value;
            op.Kinds[i] = args[i].Kind;
            if (args[i].Kind != ChildOp.ArgLiteral && (args[i].Value < 0 || args[i].Value >= _ops.Count))
            {
                throw new ArgumentException($"op {_ops.Count} ({what}) refers to op {args[i].Value}, which does not precede it", nameof(args));
            }
        }
        _ops.Add(op);
        _descriptions.Add(new OpDescription(what));
        return _ops.Count - 1;
    }

    /// <summary>Op <paramref name="op"/> failing with <paramref name="errno"/> is fine; the child then skips <paramref name="skip"/> ops.</summary>
    public void Tolerate(int op, int errno, int skip = 0)
    {
        var o = _ops[op];
        if (o.Errno1 == 0)
        {
            o.Errno1 = errno;
            o.Skip1 = skip;
        }
        else
        {
            o.Errno2 = errno;
            o.Skip2 = skip;
        }
        _ops[op] = o;
    }

    /// <summary>When op <paramref name="op"/> succeeds the child skips the <paramref name="skip"/> ops after it (a fallback).</summary>
    public void SkipOnSuccess(int op, int skip)
    {
        var o = _ops[op];
        o.SkipOnSuccess = skip;
        _ops[op] = o;
    }

    public void SetFlags(int op, int flags)
    {
        var o = _ops[op];
        o.Flags |= flags;
        _ops[op] = o;
    }

    /// <summary>A message for op <paramref name="op"/> failing with <paramref name="errno"/> instead of "what: error".</summary>
    public void Explain(int op, int errno, string message) =>
        _descriptions[op] = _descriptions[op] with { Explanations = (_descriptions[op].Explanations ?? []).Append((errno, message)).ToList() };

    public int Close(int op)
    {
        var close = Emit("closing a descriptor", Sys.Close, OpArg.Fd(op));
        SetFlags(close, ChildOp.FlagIgnoreFailure);
        return close;
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/> in native memory, as an op argument.</summary>
    public OpArg Str(string s) => (long)Utf8(s);

    /// <summary>Native bytes (a struct an op points at).</summary>
    public OpArg Bytes(ReadOnlySpan<byte> bytes)
    {
        var p = (byte*)Alloc(Math.Max(bytes.Length, 1));
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return (long)p;
    }

    /// <summary>
    /// The process the child becomes: credentials, capabilities, seccomp filter, working directory, and the
    /// trampoline's argv (<paramref name="waitForStart"/>: it first waits on the exec fifo).
    /// </summary>
    public void SetProcess(ProcessSpec process, UserSpec user, SeccompSpec? seccomp, string executable, string cwd,
        IReadOnlyList<string> argv, IReadOnlyList<string> env, int trampolineFd, bool waitForStart)
    {
        var p = Program;
        p->TrampolineFd = trampolineFd;
        p->TrampolinePath = Utf8("/proc/self/fd/" + trampolineFd.ToString(CultureInfo.InvariantCulture));
        p->Argv = StringArray([executable, waitForStart ? "W" : "X", .. argv]);
        p->Envp = StringArray(env);
        p->Cwd = Utf8(cwd);
        p->Umask = user.Umask ?? 0x12;
        p->Uid = (uint)user.Uid;
        p->Gid = (uint)user.Gid;
        var groups = user.AdditionalGids ?? [];
        p->GroupCount = groups.Count;
        p->Groups = (uint*)Alloc(Math.Max(1, groups.Count) * sizeof(uint));
        for (var i = 0; i < groups.Count; i++)
        {
            p->Groups[i] = (uint)groups[i];
        }
        var caps = process.Capabilities;
        var effective = Capabilities.Mask(caps?.Effective);
        var permitted = Capabilities.Mask(caps?.Permitted);
        var inheritable = Capabilities.Mask(caps?.Inheritable);
        p->Bounding = Capabilities.Mask(caps?.Bounding);
        // Like runc: an ambient capability outside permitted ∩ inheritable cannot be raised and is left out.
        p->Ambient = Capabilities.Mask(caps?.Ambient) & permitted & inheritable;
        p->LastCap = Capabilities.LastCap();
        p->CapHeader[0] = 0x20080522; // _LINUX_CAPABILITY_VERSION_3
        p->CapData[0] = (uint)effective;
        p->CapData[1] = (uint)permitted;
        p->CapData[2] = (uint)inheritable;
        p->CapData[3] = (uint)(effective >> 32);
        p->CapData[4] = (uint)(permitted >> 32);
        p->CapData[5] = (uint)(inheritable >> 32);
        p->NoNewPrivileges = process.NoNewPrivileges ? 1 : 0;
        if (seccomp is not null)
        {
            var instructions = SeccompCompiler.Compile(seccomp);
            var filter = (ulong*)Alloc(instructions.Count * 8);
            for (var i = 0; i < instructions.Count; i++)
            {
                var insn = instructions[i];
                filter[i] = insn.Code | ((ulong)insn.Jt << 16) | ((ulong)insn.Jf << 24) | ((ulong)insn.K << 32);
            }
            var fprog = (byte*)Alloc(16);
            *(ushort*)fprog = (ushort)instructions.Count;
            *(ulong**)(fprog + 8) = filter;
            p->SeccompProgram = fprog;
            foreach (var flag in seccomp.Flags ?? [])
            {
                p->SeccompFlags |= flag switch { "SECCOMP_FILTER_FLAG_LOG" => 2u, "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => 4u, _ => 0u };
            }
        }
    }

    /// <summary>Copies the ops into native memory; call once, after the last <see cref="Emit"/>.</summary>
    public ChildProgram* Finish()
    {
        var ops = (ChildOp*)Alloc(Math.Max(1, _ops.Count) * sizeof(ChildOp));
        var results = (long*)Alloc(Math.Max(1, _ops.Count) * sizeof(long));
        for (var i = 0; i < _ops.Count; i++)
        {
            ops[i] = _ops[i];
            results[i] = -Libc.EBADF;
        }
        Program->Ops = ops;
        Program->OpCount = _ops.Count;
        Program->Results = results;
        return Program;
    }

    /// <summary>The error for a <see cref="SyncMessage.ChildError"/> frame.</summary>
    public static RuntimeException Error(IReadOnlyList<OpDescription> descriptions, int step, int errno)
    {
        if (step < ChildProgram.FirstOpStep || step - ChildProgram.FirstOpStep >= descriptions.Count)
        {
            return step == (int)ChildProgram.Step.CwdOutsideRoot
                ? new RuntimeException("process.cwd is not inside the container's root filesystem; refusing it")
                : RuntimeException.FromErrno(ChildProgram.Describe(step), errno);
        }
        var description = descriptions[step - ChildProgram.FirstOpStep];
        foreach (var (e, message) in description.Explanations ?? [])
        {
            if (e == errno)
            {
                return new RuntimeException(message);
            }
        }
        return RuntimeException.FromErrno(description.What, errno);
    }

    public void* Alloc(int size)
    {
        var p = Marshal.AllocHGlobal(size);
        _native.Add(p);
        return (void*)p;
    }

    public byte* Utf8(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var p = (byte*)Alloc(bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        return p;
    }

    public byte** StringArray(IReadOnlyList<string> items)
    {
        var array = (byte**)Alloc((items.Count + 1) * sizeof(nint));
        for (var i = 0; i < items.Count; i++)
        {
            array[i] = Utf8(items[i]);
        }
        array[items.Count] = null;
        return array;
    }

    public void Dispose()
    {
        foreach (var p in _native)
        {
            Marshal.FreeHGlobal(p);
        }
        _native.Clear();
    }
}

/// <summary>What an op does, and messages for errno values that mean something specific for it.</summary>
internal sealed record OpDescription(string What, IReadOnlyList<(int Errno, string Message)>? Explanations = null);
