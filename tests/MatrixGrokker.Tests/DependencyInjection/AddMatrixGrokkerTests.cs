using MatrixGrokker.Analysis;
using MatrixGrokker.Options;
using MatrixGrokker.Regularization;
using MatrixGrokker.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MatrixGrokker.Tests.DependencyInjection;

public class AddMatrixGrokkerTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) => DiConfig.Of(values);

    private static readonly (string, string)[] Tiny = DiConfig.Tiny;

    [Fact]
    public void Options_are_bound_from_the_section_and_unset_values_keep_their_defaults()
    {
        using var provider = new ServiceCollection()
            .AddMatrixGrokker(Config(("Model:HiddenDim", "32"), ("Training:LearningRate", "0.005"), ("Checkpoint:Interval", "00:01:30")))
            .BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value;
        Assert.Equal(32, options.Model.HiddenDim);
        Assert.Equal(0.005, options.Training.LearningRate);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Checkpoint.Interval);
        Assert.Equal(3, options.Model.NumLayers);
        Assert.Equal([4, 8], options.Transfer.ExpansionSizes);
    }

    [Fact]
    public void A_configured_list_replaces_the_default_instead_of_extending_it()
    {
        using var provider = new ServiceCollection()
            .AddMatrixGrokker(Config(("Transfer:ExpansionSizes:0", "3"), ("Transfer:ExpansionSizes:1", "16")))
            .BuildServiceProvider();

        Assert.Equal([3, 16], provider.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value.Transfer.ExpansionSizes);
    }

    [Fact]
    public void A_misspelt_key_is_an_error_naming_it()
    {
        using var provider = new ServiceCollection().AddMatrixGrokker(Config(("Model:HiddenDims", "32"))).BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value);
        Assert.Contains("MatrixGrokker:Model:HiddenDims", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sections_declared_by_extensions_are_accepted_and_other_unknown_sections_are_not()
    {
        var config = Config(("Model:HiddenDim", "32"), ("Plugin:Level", "3"), ("Trainig:Epochs", "5"));
        var services = new ServiceCollection().AddMatrixGrokker(config);
        services.AddSingleton(new MatrixGrokkerConfigurationSection("plugin"));
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value);
        Assert.Contains("MatrixGrokker:Trainig", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Plugin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_configuration_fails_the_host_at_start_naming_the_field()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(Config(("Training:BatchSize", "0")));
        builder.Services.AddMatrixGrokker(builder.Configuration);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("BatchSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeat_calls_register_nothing_twice_and_the_first_configuration_wins()
    {
        var services = new ServiceCollection();
        services.AddMatrixGrokker(Config(("Model:HiddenDim", "32")));
        var count = services.Count;
        services.AddMatrixGrokker(Config(("Model:HiddenDim", "64")));

        Assert.Equal(count, services.Count);
        Assert.Single(services, d => d.ServiceType == typeof(ITrainerFactory));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<MatrixGrokkerOptions>));
        using var provider = services.BuildServiceProvider();
        Assert.Equal(32, provider.GetRequiredService<IOptions<MatrixGrokkerOptions>>().Value.Model.HiddenDim);
    }

    [Fact]
    public void The_factory_builds_the_configured_model_and_uses_registered_services_per_session()
    {
        var services = new ServiceCollection().AddMatrixGrokker(Config([.. Tiny, ("Model:MatrixSize", "3"), ("Metrics:RunAtEpochEnd", "true")]));
        var analyzer = new WeightCountAnalyzer();
        services.AddSingleton<IAnalyzer>(analyzer);
        services.AddTransient<IRegularizer>(_ => new ConstantWeightDecay(0.5));
        var registered = new EventLog();
        services.AddSingleton<ITrainerCallback>(registered);
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<ITrainerFactory>();

        var perSession = new EventLog();
        using var first = factory.Create([perSession]);
        using var second = factory.Create();
        var result = first.Train();

        Assert.Equal((3, 18, 9), (first.Model.MatrixSize, first.Model.InputSize, first.Model.OutputSize));
        Assert.Equal(200, first.Data.TrainCount + first.Data.ValidationCount);
        Assert.NotSame(first.Trainer.Regularizer, second.Trainer.Regularizer);
        Assert.Equal(0.5, result.Final!.WeightDecay);
        Assert.Equal(2, result.EpochsRun);
        Assert.Equal(["end:2"], registered.Events.Where(e => e.StartsWith("end", StringComparison.Ordinal)));
        Assert.Equal(registered.Events, perSession.Events);
        Assert.True(analyzer.Calls > 0);
        Assert.Equal(analyzer.ExpectedWeights(first.Model), result.Final.Analysis["weights"]);
    }

    [Fact]
    public void Explicit_options_override_the_configured_ones_and_are_validated()
    {
        using var provider = new ServiceCollection().AddMatrixGrokker(Config(Tiny)).BuildServiceProvider();
        var factory = provider.GetRequiredService<ITrainerFactory>();
        var options = TestOptions.Small(samples: 200, epochs: 1);
        options.Model.HiddenDim = 8;

        using var session = factory.Create(options);
        Assert.Same(options, session.Options);
        Assert.Equal(8, session.Model.GetWeights()[0].Weight.shape[0]);

        options.Training.Epochs = 0;
        var ex = Assert.Throws<OptionsValidationException>(() => factory.Create(options));
        Assert.Contains("Epochs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_configured_from_appsettings_json_resolves_a_trainer_that_trains()
    {
        var dir = Directory.CreateTempSubdirectory("mg-host-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "appsettings.json"), """
                {
                  "MatrixGrokker": {
                    "Model": { "HiddenDim": 24, "NumLayers": 2, "Activation": "Tanh" },
                    "Data": { "Samples": 300, "ValidationRatio": 0.25 },
                    "Training": { "Epochs": 3, "BatchSize": 75, "Seed": 7 }
                  }
                }
                """);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = dir.FullName, Args = [] });
            builder.Services.AddMatrixGrokker(builder.Configuration);
            using var host = builder.Build();
            await host.StartAsync();

            using var session = host.Services.GetRequiredService<ITrainerFactory>().Create();
            var result = session.Train();
            await host.StopAsync();

            Assert.Equal((ActivationKind.Tanh, 7), (session.Options.Model.Activation, session.Options.Training.Seed));
            Assert.Equal(2, session.Model.GetWeights().Count);
            Assert.Equal((225, 75), (session.Data.TrainCount, session.Data.ValidationCount));
            Assert.Equal(3, result.EpochsRun);
            Assert.Equal(3 * 3, result.GlobalSteps);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed class EventLog : ITrainerCallback
    {
        public List<string> Events { get; } = [];

        public void OnEpochEnd(TrainingContext context, EpochMetrics metrics) => Events.Add($"epoch:{metrics.Epoch}");

        public void OnTrainEnd(TrainingContext context, TrainingResult result) => Events.Add($"end:{result.EpochsRun}");
    }

    // Counts weight entries: a value the test can recompute independently of the trainer.
    private sealed class WeightCountAnalyzer : IAnalyzer
    {
        public int Calls { get; private set; }

        public string Name => "weights";

        public double ExpectedWeights(Models.IModel model) => model.GetWeights().Sum(w => (double)w.Weight.numel());

        public AnalyzerResult Analyze(AnalysisInput input)
        {
            Calls++;
            return new AnalyzerResult(Name, ExpectedWeights(input.Model!), new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero);
        }
    }
}
