using MatrixGrokker.Options;

namespace MatrixGrokker.Training;

/// <summary>The learning-rate schedules of <see cref="LearningRateSchedule"/>.</summary>
public static class LearningRates
{
    /// <summary>Learning rate for the step that follows <paramref name="completedSteps"/> completed steps.</summary>
    /// <param name="options">Base rate, schedule, warm-up, floor.</param>
    /// <param name="completedSteps">Steps completed so far.</param>
    /// <param name="totalSteps">Steps the run would take at its epoch limit.</param>
    public static double At(TrainingOptions options, long completedSteps, long totalSteps)
    {
        ArgumentNullException.ThrowIfNull(options);
        var baseRate = options.LearningRate;
        if (options.WarmupSteps > 0 && completedSteps < options.WarmupSteps)
        {
            return baseRate * (completedSteps + 1) / options.WarmupSteps;
        }

        return options.Schedule switch
        {
            LearningRateSchedule.Constant => baseRate,
            LearningRateSchedule.Cosine => Cosine(options, completedSteps, totalSteps),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Schedule, "Unknown schedule."),
        };
    }

    private static double Cosine(TrainingOptions options, long completedSteps, long totalSteps)
    {
        var span = Math.Max(1, totalSteps - options.WarmupSteps);
        var progress = Math.Clamp((completedSteps - options.WarmupSteps) / (double)span, 0, 1);
        var floor = options.LearningRate * options.MinLearningRateFraction;
        return floor + (options.LearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
