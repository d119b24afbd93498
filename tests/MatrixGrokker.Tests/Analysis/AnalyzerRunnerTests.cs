using MatrixGrokker.Analysis;
using static TorchSharp.torch;

namespace MatrixGrokker.Tests.Analysis;

public class AnalyzerRunnerTests
{
    private sealed class ModeProbe : IAnalyzer
    {
        public string Name => "mode";

        public bool? SawTraining { get; private set; }

        public AnalyzerResult Analyze(AnalysisInput input)
        {
            SawTraining = input.Module.training || input.Module.modules().Any(m => m.training);
            return new AnalyzerResult(Name, 0, new Dictionary<string, double>(), new Dictionary<string, double>(), TimeSpan.Zero);
        }
    }

    [Fact]
    public void Analyzers_run_in_eval_mode_and_every_submodule_gets_its_own_mode_back()
    {
        using var net = nn.Sequential(("fc1", nn.Linear(4, 8)), ("bn", nn.BatchNorm1d(8)), ("act", nn.ReLU()), ("fc2", nn.Linear(8, 2)));
        net.train();
        var bn = net.named_modules().Single(m => m.name == "bn").module;
        bn.eval(); // frozen statistics inside a training network
        using var probe = randn(16, 4);
        var analyzer = new ModeProbe();

        AnalyzerRunner.Run([analyzer], new AnalysisInput(net, probe));

        Assert.False(analyzer.SawTraining);
        Assert.True(net.training);
        Assert.False(bn.training);
        Assert.All(net.named_modules().Where(m => m.name != "bn"), m => Assert.True(m.module.training, m.name));
    }
}
