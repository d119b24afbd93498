using System.Globalization;
using System.Text;
using MatrixGrokker.Strassen;

namespace StrassenDiscoverySample;

/// <summary>What the sample writes per seed.</summary>
internal sealed record SeedReport(
    int Seed,
    bool Verified,
    int Slots,
    int Attempts,
    int AbandonedAttempts,
    double Delta,
    double Residual,
    double Seconds,
    double[][]? U,
    double[][]? V,
    double[][]? W,
    IReadOnlyList<RecursionCheck> Recursion,
    double? RecursionMaxRelativeError,
    bool FirstAttemptVerified)
{
    public static SeedReport From(DiscoveryResult result, IReadOnlyList<RecursionCheck> recursion)
    {
        var rule = result.Algorithm;
        return new SeedReport(
            result.Seed,
            result.Verified && recursion.All(c => c.Passed),
            result.Slots,
            result.Attempts.Count,
            result.Attempts.Count(a => a.Abandoned),
            result.Delta,
            result.FinalAttempt.Residual,
            result.Elapsed.TotalSeconds,
            rule?.URows(),
            rule?.VRows(),
            rule?.WRows(),
            recursion,
            recursion.Count == 0 ? null : recursion.Max(c => c.RelativeError),
            result.Attempts[0].Verified);
    }
}

/// <summary>Totals over all seeds.</summary>
internal sealed record Summary(
    int Seeds,
    int Verified,
    double SuccessRate,
    int FirstAttemptVerified,
    int TotalAttempts,
    int AbandonedAttempts,
    double AttemptSuccessRate,
    double MedianSeconds,
    double MaxSeconds,
    double TotalSeconds,
    string Objective,
    int Steps,
    double BudgetSeconds,
    int ProcessorCount)
{
    public static Summary From(IReadOnlyList<SeedReport> seeds, CliOptions cli, TimeSpan total)
    {
        var times = seeds.Select(s => s.Seconds).Order().ToArray();
        var median = times.Length % 2 == 1 ? times[times.Length / 2] : (times[(times.Length / 2) - 1] + times[times.Length / 2]) / 2;
        var verified = seeds.Count(s => s.Verified);
        var attempts = seeds.Sum(s => s.Attempts);
        return new Summary(
            seeds.Count, verified, verified / (double)seeds.Count, seeds.Count(s => s.FirstAttemptVerified), attempts,
            seeds.Sum(s => s.AbandonedAttempts), verified / (double)attempts, median, times[^1], total.TotalSeconds, cli.Discovery.Objective.ToString(),
            cli.Discovery.Steps, cli.Discovery.TimeBudget.TotalSeconds, Environment.ProcessorCount);
    }
}

/// <summary>Per-attempt training traces as CSV.</summary>
internal static class Traces
{
    public static void WriteCsv(string path, IEnumerable<DiscoveryResult> results)
    {
        var sb = new StringBuilder("seed,attempt,verified,step,loss,residual,delta,active_slots\n");
        foreach (var r in results)
        {
            foreach (var a in r.Attempts)
            {
                foreach (var t in a.Trace)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{r.Seed},{a.Index},{a.Verified},{t.Step},{t.Loss:R},{t.Residual:R},{t.Delta:R},{t.ActiveSlots}\n");
                }
            }
        }

        File.WriteAllText(path, sb.ToString());
    }
}
