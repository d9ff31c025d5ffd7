using System.Globalization;

namespace Flotilla.NodeAgent.Networking;

/// <summary>A socket bound on the host, as <c>ss -Hlntu</c> lists it; a null address means every address.</summary>
internal sealed record ListeningSocket(PortProtocol Protocol, string? Address, int Port)
{
    /// <summary>Reads <c>ss -H -l -n -t -u</c> output: <c>tcp LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*</c>.</summary>
    public static IReadOnlyList<ListeningSocket> ParseSs(string output)
    {
        var sockets = new List<ListeningSocket>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5)
            {
                continue;
            }

            var protocol = fields[0] switch
            {
                "tcp" => PortProtocol.Tcp,
                "udp" => PortProtocol.Udp,
                _ => (PortProtocol?)null,
            };
            var local = fields[4];
            var colon = local.LastIndexOf(':');
            if (protocol is null || colon < 0
                || !int.TryParse(local.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                continue;
            }

            var address = local[..colon].Trim('[', ']');
            var scope = address.IndexOf('%', StringComparison.Ordinal);
            if (scope >= 0)
            {
                address = address[..scope];
            }

            sockets.Add(new ListeningSocket(protocol.Value, address is "*" or "0.0.0.0" or "::" ? null : address, port));
        }

        return sockets;
    }
}
