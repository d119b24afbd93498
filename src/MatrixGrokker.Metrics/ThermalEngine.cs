using System.ComponentModel.DataAnnotations;
using System.Globalization;
using MatrixGrokker.Analysis;
using MatrixGrokker.Regularization;
using MatrixGrokker.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MatrixGrokker.Metrics;

/// <summary>
/// Settings of the <see cref="ThermalEngine"/>. Defaults are the original project's rule: targets LC* = 1, SP* = 0,
/// weights 0.3 and 0.3, gain 2, weight decay clipped to [0.1, 5] × base.
/// </summary>
public sealed class ThermalEngineOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "MatrixGrokker:ThermalEngine";

    /// <summary>Base weight decay; null takes the run's <c>Training.WeightDecay</c> at the first step. Default null.</summary>
    [Range(0.0, 100.0)]
    public double? BaseWeightDecay { get; set; }

    /// <summary>LC*, the target local complexity, in (0, 1]. Default 1.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double TargetLc { get; set; } = 1.0;

    /// <summary>SP*, the target superposition, in [0, 1]. Default 0.</summary>
    [Range(0.0, 1.0)]
    public double TargetSp { get; set; }

    /// <summary>Weight of |LC* − LC| in the deviation. Default 0.3.</summary>
    [Range(0.0, 1e3)]
    public double LcWeight { get; set; } = 0.3;

    /// <summary>Weight of |SP − SP*| in the deviation. Default 0.3.</summary>
    [Range(0.0, 1e3)]
    public double SpWeight { get; set; } = 0.3;

    /// <summary>Gain: factor = 1 + gain · deviation. Default 2.</summary>
    [Range(0.0, 1e3)]
    public double Gain { get; set; } = 2.0;

    /// <summary>Lowest weight decay as a multiple of the base. Default 0.1.</summary>
    [Range(0.0, 1e3)]
    public double MinFactor { get; set; } = 0.1;

    /// <summary>Highest weight decay as a multiple of the base. Default 5.</summary>
    [Range(0.0, 1e3)]
    public double MaxFactor { get; set; } = 5.0;

    /// <summary>Name of the analyzer whose headline value is LC. Default <c>lc</c> (the cosine form, in [0, 1]).</summary>
    [Required(AllowEmptyStrings = false)]
    public string LcAnalyzer { get; set; } = "lc";

    /// <summary>Name of the analyzer whose headline value is SP. Default <c>sp</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string SpAnalyzer { get; set; } = "sp";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinFactor > MaxFactor)
        {
            yield return new ValidationResult(
                $"MinFactor ({MinFactor}) must not exceed MaxFactor ({MaxFactor}).", [nameof(MinFactor), nameof(MaxFactor)]);
        }
    }
}

/// <summary>Source-generated validator of <see cref="ThermalEngineOptions"/>.</summary>
[OptionsValidator]
public sealed partial class ThermalEngineOptionsValidator : IValidateOptions<ThermalEngineOptions>
{
}

/// <summary>One evaluation of the thermal rule: the inputs and what they produced.</summary>
/// <param name="Lc">LC that was used.</param>
/// <param name="Sp">SP that was used.</param>
/// <param name="Deviation">d = w_LC·|LC* − LC| + w_SP·|SP − SP*|.</param>
/// <param name="Factor">1 + gain·d.</param>
/// <param name="WeightDecay">clip(base·factor, min·base, max·base).</param>
/// <param name="Progress">Thermal progress in percent, see <see cref="ThermalEngine.Evaluate"/>.</param>
public sealed record ThermalReading(double Lc, double Sp, double Deviation, double Factor, double WeightDecay, double Progress);

/// <summary>
/// The original project's "thermal engine": weight decay steered by local complexity and superposition. On each
/// analyzer report it reads LC and SP (by analyzer name) and from then on sets, before every optimizer step,
/// wd = clip(base·(1 + gain·d), min·base, max·base) with d = w_LC·|LC* − LC| + w_SP·|SP − SP*|.
/// Before the first report it applies the base weight decay.
/// </summary>
public sealed class ThermalEngine : IRegularizer
{
    private readonly ILogger _logger;
    private double? _base;
    private double? _lc;
    private double? _sp;

    /// <summary>Creates the engine.</summary>
    /// <param name="options">Rule parameters; defaults reproduce the original project.</param>
    /// <param name="logger">Debug line per update; warnings for non-finite inputs.</param>
    public ThermalEngine(ThermalEngineOptions? options = null, ILogger<ThermalEngine>? logger = null)
    {
        Options = options ?? new ThermalEngineOptions();
        OptionsCheck.ThrowIfInvalid(new ThermalEngineOptionsValidator(), Options);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _base = Options.BaseWeightDecay;
        CurrentWeightDecay = _base ?? double.NaN;
    }

    /// <inheritdoc />
    public string Name => "thermal";

    /// <summary>The rule parameters.</summary>
    public ThermalEngineOptions Options { get; }

    /// <summary>The base weight decay, once known (from the options or the first step).</summary>
    public double? BaseWeightDecay => _base;

    /// <summary>
    /// The weight decay the engine set at the latest step (the base before any report; NaN before any step when the
    /// base comes from the run). A callback may still override it for that step.
    /// </summary>
    public double CurrentWeightDecay { get; private set; }

    /// <summary>Inputs and outputs of the rule from the latest report; null before the first one or before the base is known.</summary>
    public ThermalReading? Latest => _lc is { } lc && _sp is { } sp && _base is { } b ? Evaluate(Options, b, lc, sp) : null;

    /// <summary>Thermal progress in percent from the latest report, or null.</summary>
    public double? Progress => Latest?.Progress;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> State
    {
        get
        {
            // Only known values: NaN would not survive every checkpoint format.
            var state = new Dictionary<string, double>(StringComparer.Ordinal);
            if (double.IsFinite(CurrentWeightDecay))
            {
                state["wd"] = CurrentWeightDecay;
            }

            if (_base is { } b)
            {
                state["base_wd"] = b;
            }

            if (_lc is { } lc && _sp is { } sp)
            {
                state["lc"] = lc;
                state["sp"] = sp;
            }

            if (Latest is { } reading)
            {
                state["deviation"] = reading.Deviation;
                state["factor"] = reading.Factor;
                state["progress"] = reading.Progress;
            }

            return state;
        }
    }

    /// <summary>
    /// The thermal rule as a pure function. Progress = clip(100 · ((LC / LC*) + (1 − SP)) / 2, 0, 100): the mean of
    /// the LC and SP halves (the original divided by SP* = 0 and so reported the LC half only).
    /// </summary>
    /// <param name="options">Rule parameters.</param>
    /// <param name="baseWeightDecay">Base weight decay, ≥ 0.</param>
    /// <param name="lc">Local complexity.</param>
    /// <param name="sp">Superposition.</param>
    public static ThermalReading Evaluate(ThermalEngineOptions options, double baseWeightDecay, double lc, double sp)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(baseWeightDecay >= 0) || double.IsInfinity(baseWeightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(baseWeightDecay), baseWeightDecay, "Base weight decay must be finite and >= 0.");
        }

        var deviation = options.LcWeight * Math.Abs(options.TargetLc - lc) + options.SpWeight * Math.Abs(sp - options.TargetSp);
        var factor = 1 + options.Gain * deviation;
        var wd = Math.Clamp(baseWeightDecay * factor, options.MinFactor * baseWeightDecay, options.MaxFactor * baseWeightDecay);
        var progress = Math.Clamp(100 * ((lc / options.TargetLc) + (1 - sp)) / 2, 0, 100);
        return new ThermalReading(lc, sp, deviation, factor, wd, progress);
    }

    /// <inheritdoc />
    public void BeforeOptimizerStep(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _base ??= context.Options.Training.WeightDecay;
        CurrentWeightDecay = Latest?.WeightDecay ?? _base.Value;
        context.WeightDecay = CurrentWeightDecay;
    }

    /// <inheritdoc />
    public void OnMetrics(AnalysisReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lc = Read(report, Options.LcAnalyzer);
        var sp = Read(report, Options.SpAnalyzer);
        if (!double.IsFinite(lc) || !double.IsFinite(sp))
        {
            var (name, value) = double.IsFinite(lc) ? (Options.SpAnalyzer, sp) : (Options.LcAnalyzer, lc);
            MetricsLog.ThermalInputNotFinite(_logger, report.GlobalStep, name, value);
            return;
        }

        // The rule compares LC with LC* and SP with SP* on [0, 1]; a count such as lc_region's headline would pin the
        // weight decay at its clip and report full progress.
        foreach (var (name, value) in new[] { (Options.LcAnalyzer, lc), (Options.SpAnalyzer, sp) })
        {
            if (value is < 0 or > 1)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The thermal engine needs values in [0, 1], but analyzer '{name}' reported {value} at step {report.GlobalStep}. Point ThermalEngineOptions at a normalised analyzer (e.g. lc, sp)."));
            }
        }

        (_lc, _sp) = (lc, sp);
        if (Latest is { } reading)
        {
            MetricsLog.ThermalUpdated(_logger, report.GlobalStep, lc, sp, reading.WeightDecay, reading.Factor, reading.Progress);
        }
    }

    /// <inheritdoc />
    public void Restore(IReadOnlyDictionary<string, double> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.TryGetValue("base_wd", out var b))
        {
            _base = b;
        }

        if (state.TryGetValue("lc", out var lc) && state.TryGetValue("sp", out var sp))
        {
            (_lc, _sp) = (lc, sp);
        }

        CurrentWeightDecay = state.TryGetValue("wd", out var wd) ? wd : Latest?.WeightDecay ?? _base ?? double.NaN;
    }

    private static double Read(AnalysisReport report, string analyzer) =>
        report.Get(analyzer) ?? throw new InvalidOperationException(
            $"The thermal engine reads analyzer '{analyzer}', but the report has only [{string.Join(", ", report.Results.Select(r => r.Name))}]. " +
            "Register that analyzer with the trainer or change ThermalEngineOptions.");
}
