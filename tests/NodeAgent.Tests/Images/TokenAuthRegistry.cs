using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flotilla.TestSupport.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Tests.Images;

/// <summary>
/// A second docker-registry serving an existing registry's storage behind real bearer-token auth
/// (<c>auth: token</c>), with a token service in the test that issues ES256 JWTs signed by a certificate
/// the registry trusts (<c>rootcertbundle</c>, key in the <c>x5c</c> header), as Docker Hub's auth does.
/// </summary>
internal sealed partial class TokenAuthRegistry : IAsyncDisposable
{
    private const string Service = "flotilla-test-registry";
    private const string Issuer = "flotilla-test-issuer";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"flotilla-token-{Guid.NewGuid():N}");
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private X509Certificate2? _certificate;
    private WebApplication? _tokenService;
    private BackgroundProcess? _registry;

    /// <summary>When set, the token service answers only requests carrying these Basic credentials.</summary>
    public (string User, string Password)? RequiredCredentials { get; init; }

    /// <summary><c>127.0.0.1:PORT</c> of the token-protected registry.</summary>
    public string Address { get; private set; } = "";

    /// <summary>What the token service was asked for: <c>user|service|scope</c> per request (user empty when anonymous).</summary>
    public ConcurrentQueue<string> TokenRequests { get; } = new();

    public async Task StartAsync(string storageDirectory)
    {
        Directory.CreateDirectory(_directory);
        _certificate = new CertificateRequest("CN=flotilla-test-token-issuer", _key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        var bundle = Path.Combine(_directory, "root.pem");
        await File.WriteAllTextAsync(bundle, _certificate.ExportCertificatePem());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _tokenService = builder.Build();
        _tokenService.MapGet("/token", IssueToken);
        await _tokenService.StartAsync();
        var realm = _tokenService.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/token";

        var config = Path.Combine(_directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: info
              formatter: text
            storage:
              filesystem:
                rootdirectory: {storageDirectory}
            http:
              addr: 127.0.0.1:0
              secret: flotilla-tests
            auth:
              token:
                realm: {realm}
                service: {Service}
                issuer: {Issuer}
                rootcertbundle: {bundle}
            """);
        _registry = BackgroundProcess.Start("/usr/bin/docker-registry", ["serve", config]);
        var line = await _registry.WaitForOutputAsync(l => ListeningLine().IsMatch(l), TimeSpan.FromSeconds(30));
        Address = ListeningLine().Match(line).Groups["address"].Value;
    }

    public async ValueTask DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        if (_tokenService is not null)
        {
            await _tokenService.StopAsync();
            await _tokenService.DisposeAsync();
        }

        _certificate?.Dispose();
        _key.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private IResult IssueToken(HttpContext context)
    {
        var user = "";
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..])).Split(':', 2);
            if (RequiredCredentials is { } required && (pair[0] != required.User || pair[1] != required.Password))
            {
                return Results.Unauthorized();
            }

            user = pair[0];
        }
        else if (RequiredCredentials is not null)
        {
            return Results.Unauthorized();
        }

        var scope = context.Request.Query["scope"].ToString();
        TokenRequests.Enqueue($"{user}|{context.Request.Query["service"]}|{scope}");
        var parts = scope.Split(':');
        var access = parts.Length == 3
            ? new[] { new { type = parts[0], name = parts[1], actions = parts[2].Split(',') } }
            : [];
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new { alg = "ES256", typ = "JWT", x5c = new[] { Convert.ToBase64String(_certificate!.RawData) } };
        var claims = new { iss = Issuer, sub = user, aud = Service, exp = now + 300, nbf = now - 10, iat = now, jti = Guid.NewGuid().ToString("N"), access };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return Results.Json(new { token = signingInput + "." + Base64Url(signature), expires_in = 300 });
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"listening on (?<address>127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
