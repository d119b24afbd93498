using System.Diagnostics;
using MatrixGrokker.Analysis;
using MatrixGrokker.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace MatrixGrokker.Metrics;

/// <summary>
/// Superposition (SP) per weight matrix from its singular values (see <see cref="Superposition"/>). The headline value
/// is the parameter-count-weighted mean of the per-matrix SP, so each matrix counts by its size. Extras:
/// <c>mean</c> (unweighted mean SP), <c>effective_rank.&lt;name&gt;</c> per matrix, <c>effective_rank</c> (their mean),
/// <c>weight_norm</c> (L2 norm of all analysed matrices together) and <c>k</c>.
/// Weights come from <see cref="IModel.GetWeights"/> or, for any other module, every 2-D parameter whose name ends
/// in <c>weight</c>.
/// </summary>
public sealed class SuperpositionAnalyzer : IAnalyzer
{
    private readonly ILogger _logger;

    /// <summary>Creates the analyzer.</summary>
    /// <param name="options">k and backend; default k = 4, torch backend.</param>
    /// <param name="backend">SVD backend; overrides <see cref="SuperpositionOptions.Backend"/> when given.</param>
    /// <param name="logger">Warnings about non-finite weights.</param>
    public SuperpositionAnalyzer(SuperpositionOptions? options = null, ISvdBackend? backend = null, ILogger<SuperpositionAnalyzer>? logger = null)
    {
        Options = options ?? new SuperpositionOptions();
        OptionsCheck.ThrowIfInvalid(new SuperpositionOptionsValidator(), Options);
        Backend = backend ?? SvdBackends.Create(Options.Backend);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Name => "sp";

    /// <summary>The settings in use.</summary>
    public SuperpositionOptions Options { get; }

    /// <summary>The SVD backend in use.</summary>
    public ISvdBackend Backend { get; }

    /// <inheritdoc />
    public AnalyzerResult Analyze(AnalysisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var start = Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weights = WeightsOf(input);
        var k = Options.TopK;
        var perLayer = new Dictionary<string, double>(StringComparer.Ordinal);
        var extra = new Dictionary<string, double>(StringComparer.Ordinal);
        double weighted = 0, plain = 0, ranks = 0, squares = 0;
        long parameters = 0;
        foreach (var (name, weight) in weights)
        {
            var w = weight.detach();
            double sp, rank;
            if (w.isfinite().all().item<bool>())
            {
                var sigma = Backend.SingularValues(w);
                sp = Superposition.FromSingularValues(sigma, k);
                rank = Superposition.EffectiveRank(sigma);
            }
            else
            {
                MetricsLog.NonFiniteWeights(_logger, name);
                (sp, rank) = (double.NaN, double.NaN);
            }

            perLayer[name] = sp;
            extra[$"effective_rank.{name}"] = rank;
            var count = w.numel();
            weighted += sp * count;
            parameters += count;
            plain += sp;
            ranks += rank;
            squares += w.to_type(ScalarType.Float64).square().sum().item<double>();
        }

        extra["mean"] = plain / weights.Count;
        extra["effective_rank"] = ranks / weights.Count;
        extra["weight_norm"] = Math.Sqrt(squares);
        extra["k"] = k;
        return new AnalyzerResult(Name, weighted / parameters, perLayer, extra, Stopwatch.GetElapsedTime(start));
    }

    private static List<NamedWeight> WeightsOf(AnalysisInput input)
    {
        var weights = input.Model is { } model
            ? [.. model.GetWeights()]
            : input.Module.named_parameters()
                .Where(p => p.name.EndsWith("weight", StringComparison.Ordinal) && p.parameter.dim() == 2)
                .Select(p => new NamedWeight(p.name, p.parameter))
                .ToList();
        if (weights.Count == 0)
        {
            throw new InvalidOperationException(
                "Superposition needs weight matrices, but the module has no 2-D parameter whose name ends in 'weight'.");
        }

        return weights;
    }
}
