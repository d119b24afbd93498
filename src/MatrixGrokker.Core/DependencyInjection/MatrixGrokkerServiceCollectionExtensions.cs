using System.Collections;
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
    /// <see cref="MatrixGrokkerOptions.SectionName"/> and validated when the host starts, and <see cref="ITrainerFactory"/>.
    /// Unknown keys in the section are errors, except sub-sections declared by extension packages
    /// (<see cref="MatrixGrokkerConfigurationSection"/>). Only the first call has an effect, so libraries may call it
    /// defensively; adjust options afterwards with <c>services.Configure&lt;MatrixGrokkerOptions&gt;(...)</c>.
    /// The MatrixGrokker.Metrics package's <c>AddMatrixGrokkerMetrics</c> calls this too.
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
            .Configure<IEnumerable<MatrixGrokkerConfigurationSection>>((options, extensions) => Bind(section, options, extensions))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MatrixGrokkerOptions>, MatrixGrokkerOptionsValidator>());
        services.TryAddSingleton<ITrainerFactory, TrainerFactory>();
        return services;
    }

    private static void Bind(IConfigurationSection section, MatrixGrokkerOptions options, IEnumerable<MatrixGrokkerConfigurationSection> extensions)
    {
        var unknown = new List<string>();
        var owned = extensions.Select(e => e.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        CollectUnknown(section.GetChildren().Where(c => !owned.Contains(c.Key)), typeof(MatrixGrokkerOptions), unknown);
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"Unknown MatrixGrokker configuration key(s): {string.Join(", ", unknown)}. Check the spelling against the " +
                "configuration reference; sections of extension packages (e.g. Analyzers, ThermalEngine) are accepted once " +
                "their registration method (e.g. AddMatrixGrokkerMetrics) has been called.");
        }

        // The binder appends configured list items to a list that already has items, so a configured ExpansionSizes
        // must replace the default [4, 8] instead of extending it.
        var sizes = section.GetSection($"{nameof(MatrixGrokkerOptions.Transfer)}:{nameof(TransferOptions.ExpansionSizes)}");
        if (sizes.GetChildren().Any())
        {
            options.Transfer.ExpansionSizes = [];
        }

        section.Bind(options);
    }

    // Every configured key must name a settable property; lists and dictionaries are not descended into.
    private static void CollectUnknown(IEnumerable<IConfigurationSection> children, Type type, List<string> unknown)
    {
        foreach (var child in children)
        {
            var property = type.GetProperty(child.Key, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            if (property is null)
            {
                unknown.Add(child.Path);
            }
            else if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                CollectUnknown(child.GetChildren(), property.PropertyType, unknown);
            }
        }
    }

    private sealed class CoreMarker;
}

/// <summary>
/// Declares a sub-section of the <c>"MatrixGrokker"</c> configuration section that an extension package binds itself
/// (e.g. <c>Analyzers</c>), so <see cref="MatrixGrokkerServiceCollectionExtensions.AddMatrixGrokker"/> does not report
/// its keys as unknown. Register one instance per sub-section as a singleton.
/// </summary>
/// <param name="Name">The sub-section's key directly under <c>"MatrixGrokker"</c>.</param>
public sealed record MatrixGrokkerConfigurationSection(string Name);
