using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MatrixGrokker.Strassen;
using Microsoft.Extensions.Logging;
using StrassenDiscoverySample;

// Discovers Strassen's algorithm from random matrix products for each seed, verifies every result exactly (Brent
// equations in integer arithmetic, then the learned rule applied recursively up to 64×64), and reports the rate.
CliOptions cli;
try
{
    cli = CliOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(CliOptions.Usage);
    return 2;
}

if (cli.BenchSteps > 0)
{
    Bench.Run(cli.BenchSteps);
    return 0;
}

if (cli.Help)
{
    Console.WriteLine(CliOptions.Usage);
    return 0;
}

Directory.CreateDirectory(cli.OutDir);
using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(o => o.SingleLine = true)
    .SetMinimumLevel(cli.Verbose ? LogLevel.Information : LogLevel.Warning));
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };

var discovery = new StrassenDiscovery(cli.Discovery, loggerFactory.CreateLogger<StrassenDiscovery>());
var sizes = new[] { 2, 4, 8, 16, 32, 64 };
var reports = new List<SeedReport>();
var results = new List<DiscoveryResult>();
var wall = Stopwatch.StartNew();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Strassen discovery: {cli.Seeds} seeds from {cli.FirstSeed}, objective {cli.Discovery.Objective}, {cli.Discovery.Steps} steps/attempt, budget {cli.Discovery.TimeBudget.TotalSeconds:F0} s/seed, out {cli.OutDir}"));
for (var seed = cli.FirstSeed; seed < cli.FirstSeed + cli.Seeds && !cts.IsCancellationRequested; seed++)
{
    DiscoveryResult result;
    try
    {
        result = discovery.Run(seed, cts.Token);
    }
    catch (OperationCanceledException)
    {
        break;
    }

    // The second, independent check: the learned coefficients at every level of the block recursion.
    var recursion = result.Verified ? BilinearRecursion.Check(result.Algorithm!, sizes, samples: 4, seed: seed) : [];
    var report = SeedReport.From(result, recursion);
    reports.Add(report);
    results.Add(result);
    var recursionText = report.Verified
        ? string.Create(CultureInfo.InvariantCulture, $"  max rel. error n≤64 {report.RecursionMaxRelativeError:0.0e+0}")
        : string.Empty;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"seed {seed,3}: verified {(report.Verified ? "yes" : "no "),-3}  slots {report.Slots}  attempts {report.Attempts,2}  δ {report.Delta:0.0e+0}  residual {report.Residual:0.0e+0}  time {report.Seconds,6:F2} s{recursionText}"));
    if (report.Verified)
    {
        Console.Write(Indent(result.Algorithm!.ToString()));
    }
}

if (reports.Count == 0)
{
    Console.WriteLine("No seed finished.");
    return 1;
}

var summary = Summary.From(reports, cli, wall.Elapsed);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Verified {summary.Verified}/{summary.Seeds} seeds ({summary.SuccessRate:P0}); first attempts verified {summary.FirstAttemptVerified}/{summary.Seeds}; " +
    $"attempts {summary.TotalAttempts} ({summary.AttemptSuccessRate:P0} of attempts verified, {summary.AbandonedAttempts} abandoned early); time per seed median {summary.MedianSeconds:F2} s, max {summary.MaxSeconds:F2} s"));

var json = JsonSerializer.Serialize(new { summary, seeds = reports }, new JsonSerializerOptions { WriteIndented = true });
var jsonPath = Path.Combine(cli.OutDir, "strassen-discovery.json");
File.WriteAllText(jsonPath, json);
var tracePath = Path.Combine(cli.OutDir, "traces.csv");
Traces.WriteCsv(tracePath, results);
Console.WriteLine($"Wrote {jsonPath} and {tracePath}");
if (cli.Plots)
{
    try
    {
        foreach (var path in Plots.Write(cli.OutDir, results))
        {
            Console.WriteLine($"Wrote {path}");
        }
    }
    catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or InvalidOperationException)
    {
        Console.WriteLine($"Plots skipped: ScottPlot could not render here ({ex.GetBaseException().Message}).");
    }
}

return summary.Verified == summary.Seeds ? 0 : 1;

static string Indent(string text) =>
    string.Concat(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "        " + l.TrimEnd() + Environment.NewLine));
