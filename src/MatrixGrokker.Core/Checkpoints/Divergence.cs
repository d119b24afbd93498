namespace MatrixGrokker.Training;

/// <summary>What produced the non-finite value.</summary>
public enum DivergenceSource
{
    /// <summary>The batch loss was NaN or infinite.</summary>
    Loss,
    /// <summary>The loss was finite but a gradient was NaN or infinite.</summary>
    Gradient,
}

/// <summary>What the trainer did about a divergence.</summary>
public enum DivergenceAction
{
    /// <summary>The update was not applied and training stopped with <see cref="StopReason.Diverged"/>.</summary>
    Stopped,
    /// <summary>The latest valid checkpoint was reloaded and training continues with a reduced learning rate.</summary>
    RolledBack,
}

/// <summary>A step whose loss or gradient was NaN or infinite, detected before the optimizer applied it.</summary>
/// <param name="GlobalStep">1-based number of the failing step (its update was never applied).</param>
/// <param name="Epoch">Epoch of the failing step.</param>
/// <param name="BatchIndex">1-based batch within that epoch.</param>
/// <param name="Source">Loss or gradient.</param>
/// <param name="Loss">The batch loss (NaN/Inf for <see cref="DivergenceSource.Loss"/>).</param>
/// <param name="Action">What the trainer did.</param>
/// <param name="RolledBackTo">The checkpoint reloaded, for <see cref="DivergenceAction.RolledBack"/>.</param>
/// <param name="LearningRateScale">Factor applied to the scheduled learning rate from now on.</param>
/// <param name="Message">Human-readable report.</param>
public sealed record DivergenceInfo(
    long GlobalStep,
    int Epoch,
    int BatchIndex,
    DivergenceSource Source,
    double Loss,
    DivergenceAction Action,
    string? RolledBackTo,
    double LearningRateScale,
    string Message);
