using MatrixGrokker.Options;
using MatrixGrokker.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MatrixGrokker;

/// <summary>Registers MatrixGrokker with a dependency-injection container.</summary>
public static class MatrixGrokkerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MatrixGrokkerOptions"/> bound from the configuration section
    /// <see cref="MatrixGrokkerOptions.SectionName"/> and validated on start, and <see cref="ITrainerFactory"/>.
    /// Only the first call has an effect, so libraries may call it defensively; adjust options afterwards with
    /// <c>services.Configure&lt;MatrixGrokkerOptions&gt;(...)</c>. Add the analyzers with
    /// <c>AddMatrixGrokkerMetrics()</c> from the MatrixGrokker.Metrics package.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">The configuration root (or any configuration holding the section).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddMatrixGrokker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(CoreMarker)))
        {
            return services;
        }

        services.AddSingleton<CoreMarker>();
        var section = configuration.GetSection(MatrixGrokkerOptions.SectionName);
        services.AddOptions<MatrixGrokkerOptions>()
            .Configure(options => Bind(section, options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MatrixGrokkerOptions>, MatrixGrokkerOptionsValidator>());
        services.TryAddSingleton<ITrainerFactory, TrainerFactory>();
        return services;
    }

    // The binder appends configured list items to a list that already has items, so a configured ExpansionSizes
    // must replace the default [4, 8] instead of extending it.
    private static void Bind(IConfigurationSection section, MatrixGrokkerOptions options)
    {
        var sizes = section.GetSection($"{nameof(MatrixGrokkerOptions.Transfer)}:{nameof(TransferOptions.ExpansionSizes)}");
        if (sizes.GetChildren().Any())
        {
            options.Transfer.ExpansionSizes = [];
        }

        section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
    }

    private sealed class CoreMarker;
}
