using System.Net;
using Flotilla.ControlPlane.Agents;
using Flotilla.ControlPlane.Api;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Grains;
using Flotilla.ControlPlane.Observability;
using Flotilla.ControlPlane.Persistence;
using Flotilla.ControlPlane.Routing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Prometheus;
using StackExchange.Redis;

namespace Flotilla.ControlPlane.Hosting;

/// <summary>Builds the control plane: one ASP.NET Core host with REST, gRPC and an Orleans silo inside.</summary>
public static class ControlPlaneHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = builder.Configuration.GetSection(ControlPlaneOptions.Section).Get<ControlPlaneOptions>() ?? new ControlPlaneOptions();
        var validation = new ControlPlaneOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(ControlPlaneOptions.Section, typeof(ControlPlaneOptions), validation.Failures);
        }

        builder.Services.AddOptions<ControlPlaneOptions>().Bind(builder.Configuration.GetSection(ControlPlaneOptions.Section));
        builder.Services.AddSingleton<IValidateOptions<ControlPlaneOptions>, ControlPlaneOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(TokenFiles.Resolve(options));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.ListenAnyIP(options.RestPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.ListenAnyIP(options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
        });

        builder.UseOrleans(silo => ConfigureSilo(silo, options));

        builder.Services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Api, p => p.RequireRole(BearerTokenHandler.ApiRole))
            .AddPolicy(Policies.Agent, p => p.RequireRole(BearerTokenHandler.AgentRole))
            .AddPolicy(Policies.RouteFeed, p => p.RequireRole(BearerTokenHandler.ApiRole, BearerTokenHandler.AgentRole));

        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = (int)Math.Min(options.MaxRequestBodyBytes, int.MaxValue);
            grpc.EnableDetailedErrors = false;
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck("silo", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        builder.Services.AddSingleton<WorkloadOperations>();
        builder.Services.AddHostedService<ResumeOnStart>();
        builder.Services.AddHostedService<ClusterMetricsRefresher>();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseHttpMetrics();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();
        app.MapMetrics("/metrics");
        app.MapOpenApi();
        app.MapWorkloadsApi();
        app.MapClusterApi();
        app.MapGrpcService<SchedulingGrpcService>().RequireAuthorization(Policies.Api);
        app.MapGrpcService<AgentLinkService>().RequireAuthorization(Policies.Agent);
        app.MapGrpcService<RouteFeedService>().RequireAuthorization(Policies.RouteFeed);
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapGrpcReflectionService().AllowAnonymous();
        return app;
    }

    private static void ConfigureSilo(ISiloBuilder silo, ControlPlaneOptions options)
    {
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(30));

        if (options.Mode == ControlPlaneMode.Embedded)
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            silo.AddFileGrainStorage(StorageNames.Default, Path.Combine(options.DataDirectory, "grains"));
            return;
        }

        var redis = ConfigurationOptions.Parse(options.Redis!);
        silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
        silo.UseRedisClustering(clustering => clustering.ConfigurationOptions = redis.Clone());
        silo.AddRedisGrainStorage(StorageNames.Default, storage => storage.Configure<Orleans.Serialization.Serializer>((o, serializer) =>
        {
            o.ConfigurationOptions = redis.Clone();
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
    }
}
