using Orleans.Storage;

namespace Flotilla.ControlPlane.Persistence;

public static class FileGrainStorageExtensions
{
    /// <summary>Registers <see cref="FileGrainStorage"/> under <paramref name="name"/>, state kept under <paramref name="directory"/>.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, string directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedSingleton<IGrainStorage>(name, (services, _) => new FileGrainStorage(
            name,
            directory,
            new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>()),
            services.GetRequiredService<ILogger<FileGrainStorage>>()));
        return builder;
    }
}
