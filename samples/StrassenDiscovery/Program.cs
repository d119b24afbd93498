using System.Globalization;
using MatrixGrokker.Strassen;

var o = new StrassenDiscoveryOptions();
int seeds = 10, first = 0;
for (var i = 0; i < args.Length; i += 2)
{
    var v = args[i + 1];
    double D() => double.Parse(v, CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--seeds": seeds = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--first": first = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--steps": o.Steps = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--objective": o.Objective = Enum.Parse<DiscoveryObjective>(v, true); break;
        case "--l1": o.L1Weight = D(); break;
        case "--rounding": o.RoundingWeight = D(); break;
        case "--prune-at": o.PruneAt = D(); break;
        case "--lr": o.LearningRate = D(); break;
        case "--slots": o.Slots = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--attempts": o.MaxAttempts = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--batch": o.BatchSize = int.Parse(v, CultureInfo.InvariantCulture); break;
        case "--fade": o.FadeL1 = v == "1"; break;
        case "--sym": o.SymmetricInit = v == "1"; break;
        default: throw new ArgumentException(args[i]);
    }
}

var disc = new StrassenDiscovery(o);
int ok = 0, firstOk = 0, att = 0;
var times = new List<double>();
for (var s = first; s < first + seeds; s++)
{
    var r = disc.Run(s);
    ok += r.Verified ? 1 : 0;
    firstOk += r.Attempts[0].Verified ? 1 : 0;
    att += r.Attempts.Count;
    times.Add(r.Elapsed.TotalSeconds);
    if (Environment.GetEnvironmentVariable("PEEK") == "1") { Console.WriteLine(r.FinalAttempt.Continuous); foreach (var t in r.FinalAttempt.Trace.Where((_, i) => i % 12 == 0)) Console.WriteLine(t); }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {s}: {r.Verified} attempts {r.Attempts.Count} δ {r.Delta:G3} res {r.FinalAttempt.Residual:G3} slots {r.Slots} viol {r.FinalAttempt.Verification.Violations} {r.Elapsed.TotalSeconds:F2}s"));
}
times.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"verified {ok}/{seeds}, first-attempt {firstOk}/{seeds}, attempts {att}, median {times[times.Count / 2]:F2}s, max {times[^1]:F2}s"));
