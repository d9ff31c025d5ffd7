using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Flotilla.ControlPlane.Auth;

/// <summary>
/// Checks "Authorization: Bearer &lt;token&gt;" against the API and join tokens and gives the caller
/// the matching role. The token never reaches a log: failures say only that it was wrong or missing.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "FlotillaBearer";
    public const string ApiRole = "api";
    public const string AgentRole = "agent";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var token = header["Bearer ".Length..].Trim();
        var role = tokens.IsApiToken(token) ? ApiRole : tokens.IsJoinToken(token) ? AgentRole : null;
        if (role is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("the bearer token is not valid"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, role), new Claim(ClaimTypes.Role, role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
