using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MatrixGrokker.Metrics;

/// <summary>Settings of the three analyzers of this package, one sub-section each.</summary>
public sealed class MetricsAnalyzerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "MatrixGrokker:Analyzers";

    /// <summary>Cosine local complexity (<see cref="LocalComplexityAnalyzer"/>).</summary>
    [ValidateObjectMembers]
    public LocalComplexityOptions LocalComplexity { get; set; } = new();

    /// <summary>Linear-region local complexity (<see cref="RegionComplexityAnalyzer"/>).</summary>
    [ValidateObjectMembers]
    public RegionComplexityOptions RegionComplexity { get; set; } = new();

    /// <summary>Superposition and effective rank (<see cref="SuperpositionAnalyzer"/>).</summary>
    [ValidateObjectMembers]
    public SuperpositionOptions Superposition { get; set; } = new();
}

/// <summary>Which activations the cosine local complexity reads.</summary>
public enum LayerSelection
{
    /// <summary>Every hidden layer's post-activation (the default).</summary>
    AllHidden,

    /// <summary>
    /// The original project's choice: the inputs of every Linear layer but the last, i.e. the raw input followed by
    /// every hidden post-activation except the last (input and hidden layer 1 for a 3-layer MLP).
    /// </summary>
    Seed,

    /// <summary><see cref="LocalComplexityOptions.IncludeInput"/> and <see cref="LocalComplexityOptions.HiddenLayers"/>.</summary>
    Custom,
}

/// <summary>Settings of the cosine local complexity.</summary>
public sealed class LocalComplexityOptions : IValidatableObject
{
    /// <summary>Which activations are concatenated (per sample) before the cosine. Default all hidden layers.</summary>
    [EnumDataType(typeof(LayerSelection))]
    public LayerSelection Layers { get; set; } = LayerSelection.AllHidden;

    /// <summary>With <see cref="LayerSelection.Custom"/>: put the raw probe input first. Default false.</summary>
    public bool IncludeInput { get; set; }

    /// <summary>With <see cref="LayerSelection.Custom"/>: 0-based hidden layers, in this order. Default empty.</summary>
    public IList<int> HiddenLayers { get; set; } = [];

    /// <summary>Rows are divided by max(‖row‖, this) before the cosine. Default 1e-8 (the seed's).</summary>
    [Range(0.0, 1.0)]
    public double Epsilon { get; set; } = 1e-8;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Layers != LayerSelection.Custom)
        {
            yield break;
        }

        if (HiddenLayers is null || (HiddenLayers.Count == 0 && !IncludeInput))
        {
            yield return new ValidationResult(
                "A Custom layer selection needs IncludeInput or at least one entry in HiddenLayers.",
                [nameof(HiddenLayers), nameof(IncludeInput)]);
            yield break;
        }

        foreach (var layer in HiddenLayers.Where(l => l < 0))
        {
            yield return new ValidationResult($"HiddenLayers contains {layer}; layer indices are 0-based and >= 0.", [nameof(HiddenLayers)]);
        }
    }
}

/// <summary>Settings of the linear-region local complexity.</summary>
public sealed class RegionComplexityOptions : IValidatableObject
{
    /// <summary>
    /// Radius r of the neighbourhood x ± r·v_p, in input units. Default 0.05: small against the [−1, 1] range of the
    /// default data, yet large enough that each probe point sees a few crossing neurons, so counts are not mostly 0.
    /// </summary>
    [Range(0.0, 1e6, MinimumIsExclusive = true)]
    public double Radius { get; set; } = 0.05;

    /// <summary>
    /// Vertices P of each neighbourhood, even: P/2 orthonormal directions, each taken with both signs. Capped at two per
    /// input dimension (the full cross-polytope). Default 50 (the paper's 40–50); for 2×2 products (8 inputs) the cap
    /// gives 16, which probes every input direction.
    /// </summary>
    [Range(2, 100_000)]
    public int Vertices { get; set; } = 50;

    /// <summary>Seed of the analyzer's own direction generator; the same directions are drawn at every run. Default 7.</summary>
    public long Seed { get; set; } = 7;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Vertices % 2 != 0)
        {
            yield return new ValidationResult($"Vertices ({Vertices}) must be even: each direction gives x + r·v and x − r·v.", [nameof(Vertices)]);
        }
    }
}

/// <summary>Settings of the superposition analyzer.</summary>
public sealed class SuperpositionOptions
{
    /// <summary>k: the number of leading singular values counted as "not superposed". Default 4 (the seed's rank).</summary>
    [Range(1, int.MaxValue)]
    public int TopK { get; set; } = 4;

    /// <summary>SVD backend. Default <see cref="SvdBackendKind.Torch"/>.</summary>
    [EnumDataType(typeof(SvdBackendKind))]
    public SvdBackendKind Backend { get; set; } = SvdBackendKind.Torch;
}

/// <summary>Source-generated validator of <see cref="MetricsAnalyzerOptions"/> and its sub-sections.</summary>
[OptionsValidator]
public sealed partial class MetricsAnalyzerOptionsValidator : IValidateOptions<MetricsAnalyzerOptions>
{
}

[OptionsValidator]
internal sealed partial class LocalComplexityOptionsValidator : IValidateOptions<LocalComplexityOptions>
{
}

[OptionsValidator]
internal sealed partial class RegionComplexityOptionsValidator : IValidateOptions<RegionComplexityOptions>
{
}

[OptionsValidator]
internal sealed partial class SuperpositionOptionsValidator : IValidateOptions<SuperpositionOptions>
{
}

internal static class OptionsCheck
{
    // Same rules outside DI as inside: the constructor throws naming every invalid field.
    public static void ThrowIfInvalid<T>(IValidateOptions<T> validator, T options)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = validator.Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(T), result.Failures);
        }
    }
}
