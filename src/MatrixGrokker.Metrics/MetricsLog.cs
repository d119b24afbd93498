using Microsoft.Extensions.Logging;

namespace MatrixGrokker.Metrics;

internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Weight matrix {Name} has non-finite entries; its superposition and effective rank are NaN.")]
    public static partial void NonFiniteWeights(ILogger logger, string name);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Region local complexity: {Requested} vertices requested, {Used} used (two per input dimension, {Features} dimensions).")]
    public static partial void VerticesCapped(ILogger logger, int requested, int used, long features);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Thermal engine at step {Step}: LC {Lc:F4}, SP {Sp:F4} -> weight decay {WeightDecay:G4} (x{Factor:F3}), progress {Progress:F1}%.")]
    public static partial void ThermalUpdated(ILogger logger, long step, double lc, double sp, double weightDecay, double factor, double progress);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Thermal engine at step {Step}: {Analyzer} reported {Value}; keeping the previous inputs.")]
    public static partial void ThermalInputNotFinite(ILogger logger, long step, string analyzer, double value);
}
