using System.Text.Json;

namespace Flotilla.Cli.ControlPlane;

/// <summary>A successful REST answer: its status and JSON body (null when it had none).</summary>
internal sealed record ApiResult(int Status, JsonDocument? Body) : IDisposable
{
    public JsonElement Root => Body?.RootElement ?? default;

    public void Dispose() => Body?.Dispose();
}
