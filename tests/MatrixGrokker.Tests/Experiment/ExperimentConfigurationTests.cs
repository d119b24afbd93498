using MatrixGrokker.Experiment;

namespace MatrixGrokker.Tests.Experiment;

public sealed class ExperimentConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mg-config-").FullName;

    public ExperimentConfigurationTests()
    {
        File.WriteAllText(Path.Combine(_dir, "appsettings.json"), """
            {
              "Training": { "Epochs": 1000 },
              "Transfer": { "ExpansionSizes": [ 4, 8 ] },
              "Presets": { "tiny": { "Training": { "Epochs": 7, "WeightDecay": 0.5 }, "Model": { "InitScale": 8 } } }
            }
            """);
    }

    [Fact]
    public void Defaults_are_the_seed_configuration()
    {
        var s = Parse();
        Assert.Equal(2, s.Options.Model.MatrixSize);
        Assert.Equal(256, s.Options.Model.HiddenDim);
        Assert.Equal(1000, s.Options.Training.Epochs);
        Assert.Equal([4, 8], s.Options.Transfer.ExpansionSizes);
    }

    [Fact]
    public void A_configured_list_replaces_the_default_instead_of_appending()
    {
        Assert.Equal([16], Parse("--Transfer:ExpansionSizes:0=16").Options.Transfer.ExpansionSizes);
        Assert.Equal([2, 32], Parse("--Transfer:ExpansionSizes:0=2", "--Transfer:ExpansionSizes:1", "32").Options.Transfer.ExpansionSizes);
    }

    [Fact]
    public void Switches_presets_and_section_keys_bind_with_command_line_winning()
    {
        var s = Parse("--preset", "tiny", "--epochs", "9", "--seed=5", "--fresh", "--out", "x/y", "--Model:Activation=tanh");
        Assert.Equal(9, s.Options.Training.Epochs); // command line over preset
        Assert.Equal(0.5, s.Options.Training.WeightDecay); // preset over appsettings
        Assert.Equal(8, s.Options.Model.InitScale);
        Assert.Equal(5, s.Options.Training.Seed);
        Assert.True(s.Experiment.Fresh);
        Assert.True(s.Options.Checkpoint.ForceFresh);
        Assert.Equal("x/y", s.Experiment.Out);
        Assert.Equal("tiny", s.Experiment.Preset);
        Assert.Equal(MatrixGrokker.Options.ActivationKind.Tanh, s.Options.Model.Activation);
    }

    [Fact]
    public void Thermal_engine_settings_bind_from_their_own_section_and_reach_the_engine()
    {
        Assert.Null(Parse().ThermalEngine!.BaseWeightDecay); // the engine then uses Training:WeightDecay
        var s = Parse("--ThermalEngine:Gain=1.5", "--ThermalEngine:MaxFactor=3");
        Assert.Equal(1.5, s.ThermalEngine!.Gain);
        Assert.Equal(3, s.ThermalEngine.MaxFactor);

        var (regularizer, name) = RunComponents.CreateRegularizer(s.Experiment, s.Options, s.ThermalEngine, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        Assert.Equal("thermal", name);
        Assert.Equal(1.5, Assert.IsType<MatrixGrokker.Metrics.ThermalEngine>(regularizer).Options.Gain);
    }

    [Theory]
    [InlineData("--epochs abc", "--epochs")]
    [InlineData("--epochs 0", "--epochs")]
    [InlineData("--Training:LearningRate=-1", "--Training:LearningRate")]
    [InlineData("--Model:Activation=swish", "--Model:Activation")]
    [InlineData("--Model:Widht=3", "--Model:Widht")]
    [InlineData("--Modle:HiddenDim=3", "--Modle:HiddenDim")]
    [InlineData("--Transfer:ExpansionSizes:0=100", "--Transfer:ExpansionSizes")]
    [InlineData("--Data:RangeLow=2", "RangeLow")]
    [InlineData("--preset nope", "--preset")]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--Experiment:Regularizer=magic", "--Experiment:Regularizer")]
    [InlineData("--ThermalEngine:Gian=2", "--ThermalEngine:Gian")]
    [InlineData("--ThermalEngine:MinFactor=9", "ThermalEngine")]
    [InlineData("--ThermalEngine:LcAnalyzer=lc_region", "--ThermalEngine:LcAnalyzer")]
    [InlineData("--ThermalEngine:SpAnalyzer=svd", "--ThermalEngine:SpAnalyzer")]
    public void Invalid_values_give_one_line_naming_the_option(string args, string named)
    {
        var ex = Assert.Throws<ConfigurationErrorException>(() => Parse(args.Split(' ')));
        Assert.Contains(named, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void The_shipped_appsettings_parses_and_its_presets_apply()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.True(File.Exists(shipped), "the sample's appsettings.json should be copied next to the tests");
        var grokking = ExperimentConfiguration.Parse(["--preset", "grokking"], AppContext.BaseDirectory, readEnvironment: false);
        Assert.Equal(8, grokking.Options.Model.InitScale);
        Assert.Equal("constant", grokking.Experiment.Regularizer);
        var seed = ExperimentConfiguration.Parse(["--preset", "seed"], AppContext.BaseDirectory, readEnvironment: false);
        Assert.False(seed.Experiment.StopAtGrok);
        Assert.Equal(1000, seed.Options.Training.Epochs);
    }

    [Fact]
    public void Cli_exits_with_code_2_and_writes_nothing_on_invalid_options()
    {
        var outDir = Path.Combine(_dir, "run");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = ExperimentCli.Run(["--out", outDir, "--epochs", "-3"], stdout, stderr, settingsDirectory: _dir);
        Assert.Equal(ExperimentCli.InvalidOptions, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: --epochs", lines[0], StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
        Assert.Equal(string.Empty, stdout.ToString());
    }

    private ExperimentSettings Parse(params string[] args) => ExperimentConfiguration.Parse(args, _dir, readEnvironment: false);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
