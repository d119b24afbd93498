using System.Globalization;
using MatrixGrokker.Strassen;

namespace StrassenDiscoverySample;

/// <summary>Command-line settings of the sample.</summary>
internal sealed class CliOptions
{
    public const string Usage = """
        Usage: StrassenDiscovery [options]
          --seeds <n>          seeds to run (default 20)
          --first-seed <s>     first seed (default 0)
          --out <dir>          output folder (default runs/strassen-<UTC timestamp>)
          --objective <o>      sampled (fresh Gaussian matrix pairs, default) | tensor (exact residual)
          --steps <n>          optimisation steps per attempt (default 12000)
          --budget <seconds>   restarts per seed stop after this much time (default 30)
          --max-attempts <n>   most attempts per seed (default 100)
          --lr <x>             Adam learning rate (default 0.01)
          --batch <n>          matrix pairs per step for the sampled objective (default 64)
          --slots <n>          slots while training, pruned to 7 (default 8)
          --l1 <x>             L1 weight (default 0.03)
          --rounding <x>       final rounding-penalty weight (default 1)
          --prune-at <f>       fraction of steps at which surplus slots are pruned (default 0.05)
          --init-std <x>       standard deviation of the initial coefficients (default 0.5)
          --symmetric          initialise V = U
          --no-plots           skip the PNG plots
          --verbose            log every attempt
          --bench <steps>      only time the optimisation step: TorchSharp tensors vs managed doubles
        """;

    public int Seeds { get; private set; } = 20;

    public int FirstSeed { get; private set; }

    public string OutDir { get; private set; } =
        Path.Combine("runs", "strassen-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    public bool Plots { get; private set; } = true;

    public bool Verbose { get; private set; }

    public bool Help { get; private set; }

    public int BenchSteps { get; private set; }

    public StrassenDiscoveryOptions Discovery { get; } = new();

    public static CliOptions Parse(string[] args)
    {
        var o = new CliOptions();
        var d = o.Discovery;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) ? x : throw new ArgumentException($"{name} needs an integer.");
            double Real() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new ArgumentException($"{name} needs a number.");
            switch (name)
            {
                case "--seeds": o.Seeds = Int(); break;
                case "--first-seed": o.FirstSeed = Int(); break;
                case "--out": o.OutDir = Value(); break;
                case "--objective":
                    d.Objective = Value() switch
                    {
                        "sampled" => DiscoveryObjective.SampledProducts,
                        "tensor" => DiscoveryObjective.TensorResidual,
                        var x => throw new ArgumentException($"--objective must be 'sampled' or 'tensor', not '{x}'."),
                    };
                    break;
                case "--steps": d.Steps = Int(); break;
                case "--budget": d.TimeBudget = TimeSpan.FromSeconds(Real()); break;
                case "--max-attempts": d.MaxAttempts = Int(); break;
                case "--lr": d.LearningRate = Real(); break;
                case "--batch": d.BatchSize = Int(); break;
                case "--slots": d.Slots = Int(); break;
                case "--l1": d.L1Weight = Real(); break;
                case "--rounding": d.RoundingWeight = Real(); break;
                case "--prune-at": d.PruneAt = Real(); break;
                case "--init-std": d.InitStd = Real(); break;
                case "--symmetric": d.SymmetricInit = true; break;
                case "--no-plots": o.Plots = false; break;
                case "--verbose": o.Verbose = true; break;
                case "--bench": o.BenchSteps = Int(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (o.Seeds < 1)
        {
            throw new ArgumentException("--seeds must be at least 1.");
        }

        d.Validate();
        return o;
    }
}
