using MatrixGrokker.Training;

namespace MatrixGrokker.Regularization;

/// <summary>Plain decoupled weight decay at a fixed value.</summary>
public sealed class ConstantWeightDecay : IRegularizer
{
    /// <summary>Creates the regulariser.</summary>
    /// <param name="weightDecay">The decay applied at every step, non-negative.</param>
    public ConstantWeightDecay(double weightDecay)
    {
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be finite and >= 0.");
        }

        WeightDecay = weightDecay;
    }

    /// <summary>The decay applied at every step.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc />
    public string Name => "constant";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> State => new Dictionary<string, double> { ["wd"] = WeightDecay };

    /// <inheritdoc />
    public void BeforeOptimizerStep(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.WeightDecay = WeightDecay;
    }

    /// <inheritdoc />
    public void Restore(IReadOnlyDictionary<string, double> state)
    {
    }
}
