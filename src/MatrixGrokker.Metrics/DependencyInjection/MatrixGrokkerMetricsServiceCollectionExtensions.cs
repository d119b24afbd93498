using MatrixGrokker.Analysis;
using MatrixGrokker.Metrics;
using MatrixGrokker.Options;
using MatrixGrokker.Regularization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MatrixGrokker;

/// <summary>Registers the MatrixGrokker.Metrics analyzers, SVD backend and thermal engine with a DI container.</summary>
public static class MatrixGrokkerMetricsServiceCollectionExtensions
{
    /// <summary>
    /// The one-call entry point: everything <see cref="MatrixGrokkerServiceCollectionExtensions.AddMatrixGrokker"/>
    /// registers, plus <see cref="MetricsAnalyzerOptions"/> (section <see cref="MetricsAnalyzerOptions.SectionName"/>) and
    /// <see cref="ThermalEngineOptions"/> (section <see cref="ThermalEngineOptions.SectionName"/>), both validated when the
    /// host starts; <see cref="ISvdBackend"/> (the configured kind, unless one is already registered); the
    /// <see cref="LocalComplexityAnalyzer"/>, <see cref="RegionComplexityAnalyzer"/> and <see cref="SuperpositionAnalyzer"/>
    /// as <see cref="IAnalyzer"/>s, so every trainer the factory creates runs them; and <see cref="ThermalEngine"/> as itself
    /// (use it as the regulariser with <see cref="AddMatrixGrokkerThermalEngine"/>). Repeat calls are harmless.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">The configuration root holding the <c>"MatrixGrokker"</c> section.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddMatrixGrokkerMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddMatrixGrokker(configuration);
        if (services.Any(d => d.ServiceType == typeof(MetricsMarker)))
        {
            return services;
        }

        services.AddSingleton<MetricsMarker>();
        services.AddSingleton<IValidateOptions<MatrixGrokkerOptions>, AnalyzerProbeValidator>();
        AddSection<MetricsAnalyzerOptions, MetricsAnalyzerOptionsValidator>(services, configuration, MetricsAnalyzerOptions.SectionName);
        AddSection<ThermalEngineOptions, ThermalEngineOptionsValidator>(services, configuration, ThermalEngineOptions.SectionName);

        services.TryAddSingleton(sp => SvdBackends.Create(Analyzers(sp).Superposition.Backend));

        // Transient: analyzers are cheap to create and each trainer gets its own, so no state is shared between runs.
        services.TryAddEnumerable(ServiceDescriptor.Transient<IAnalyzer, LocalComplexityAnalyzer>(
            sp => new LocalComplexityAnalyzer(Analyzers(sp).LocalComplexity)));
        services.TryAddEnumerable(ServiceDescriptor.Transient<IAnalyzer, RegionComplexityAnalyzer>(
            sp => new RegionComplexityAnalyzer(Analyzers(sp).RegionComplexity, sp.GetService<ILoggerFactory>()?.CreateLogger<RegionComplexityAnalyzer>())));
        services.TryAddEnumerable(ServiceDescriptor.Transient<IAnalyzer, SuperpositionAnalyzer>(
            sp => new SuperpositionAnalyzer(Analyzers(sp).Superposition, sp.GetRequiredService<ISvdBackend>(), sp.GetService<ILoggerFactory>()?.CreateLogger<SuperpositionAnalyzer>())));

        // Transient: the engine keeps per-run state (base decay, latest LC and SP).
        services.TryAddTransient(sp => new ThermalEngine(
            sp.GetRequiredService<IOptions<ThermalEngineOptions>>().Value, sp.GetService<ILoggerFactory>()?.CreateLogger<ThermalEngine>()));
        return services;
    }

    /// <summary>
    /// <see cref="AddMatrixGrokkerMetrics"/>, and makes <see cref="ThermalEngine"/> the <see cref="IRegularizer"/> of every
    /// training session the factory creates (a new engine per session). A regulariser registered before this call wins.
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="configuration">The configuration root holding the <c>"MatrixGrokker"</c> section.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddMatrixGrokkerThermalEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMatrixGrokkerMetrics(configuration);
        services.TryAddTransient<IRegularizer>(sp => sp.GetRequiredService<ThermalEngine>());
        return services;
    }

    private static MetricsAnalyzerOptions Analyzers(IServiceProvider sp) => sp.GetRequiredService<IOptions<MetricsAnalyzerOptions>>().Value;

    private static void AddSection<TOptions, TValidator>(IServiceCollection services, IConfiguration configuration, string sectionPath)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        // Tell the core binder this sub-section of "MatrixGrokker" is ours, so its keys are not reported as unknown.
        services.AddSingleton(new MatrixGrokkerConfigurationSection(sectionPath.Split(':')[^1]));
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(sectionPath), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }

    private sealed class MetricsMarker;
}

// With analyzers registered every trainer needs a probe of at least two validation rows (activation metrics compare
// samples); checking it with the other options makes a too-small split fail at start, not at the first session.
internal sealed class AnalyzerProbeValidator : IValidateOptions<MatrixGrokkerOptions>
{
    public ValidateOptionsResult Validate(string? name, MatrixGrokkerOptions options)
    {
        if (options?.Data is not { } data || options.Metrics is not { } metrics)
        {
            return ValidateOptionsResult.Skip; // missing sections are reported by the core validator
        }

        var validation = DataOptions.ValidationRows(data.Samples, data.ValidationRatio);
        return Math.Min(metrics.ProbeSize, validation) >= 2
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"MatrixGrokker:Data: the Metrics analyzers need a probe of at least 2 validation rows, but Samples {data.Samples} × ValidationRatio {data.ValidationRatio} leaves {validation}."));
    }
}
