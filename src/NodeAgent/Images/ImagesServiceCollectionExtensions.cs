using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Images;

public static class ImagesServiceCollectionExtensions
{
    /// <summary>Adds the image store (<see cref="IImageStore"/>) with options bound from the <c>Images</c> section of <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddImages(this IServiceCollection services, IConfiguration configuration) =>
        services.AddImages(options => configuration.GetSection(ImageStoreOptions.SectionName).Bind(options));

    /// <summary>Adds the image store (<see cref="IImageStore"/>); options are validated when the host starts.</summary>
    public static IServiceCollection AddImages(this IServiceCollection services, Action<ImageStoreOptions>? configure = null)
    {
        var builder = services.AddOptions<ImageStoreOptions>().ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImageStoreOptions>, ImageStoreOptionsValidator>());
        services.TryAddSingleton<IImageStore, ImageStore>();
        return services;
    }
}
