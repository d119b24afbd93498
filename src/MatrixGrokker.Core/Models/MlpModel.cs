using MatrixGrokker.Options;
using MatrixGrokker.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MatrixGrokker.Models;

/// <summary>
/// Multilayer perceptron <c>2n² → hidden → … → hidden → n²</c> with <see cref="ModelOptions.NumLayers"/> Linear layers
/// and the chosen activation between them.
/// </summary>
public sealed class MlpModel : nn.Module<Tensor, Tensor>, IModel
{
    // Registered as fields so TorchSharp names them layers.{i} and acts.{i}.
    private readonly ModuleList<Linear> layers;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> acts;
    private int _liveRecorders;

    /// <summary>Builds the model from options, initialising parameters from <paramref name="seed"/>.</summary>
    /// <param name="options">Shape of the network.</param>
    /// <param name="seed">Seed of the parameter initialisation.</param>
    public MlpModel(ModelOptions options, long seed)
        : this(options?.MatrixSize ?? throw new ArgumentNullException(nameof(options)), options.HiddenDim, options.NumLayers, options.Activation, seed, options.InitScale)
    {
    }

    /// <summary>Builds an MLP for n×n products.</summary>
    /// <param name="matrixSize">n.</param>
    /// <param name="hiddenDim">Width of each hidden layer.</param>
    /// <param name="numLayers">Number of Linear layers, at least 2.</param>
    /// <param name="activation">Activation between layers.</param>
    /// <param name="seed">Seed of the parameter initialisation (PyTorch's default Linear init).</param>
    /// <param name="initScale">Every parameter is multiplied by this after initialisation.</param>
    public MlpModel(int matrixSize, int hiddenDim, int numLayers, ActivationKind activation, long seed, double initScale = 1.0)
        : base(TorchRuntime.Checked(nameof(MlpModel)))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(matrixSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 2);

        MatrixSize = matrixSize;
        InputSize = 2 * matrixSize * matrixSize;
        OutputSize = matrixSize * matrixSize;
        HiddenDim = hiddenDim;
        Activation = activation;

        layers = new ModuleList<Linear>();
        acts = new ModuleList<nn.Module<Tensor, Tensor>>();

        // PyTorch's default Linear init drawn from a private generator: the global generator is process-wide, so
        // reseeding it here would race with any other thread (or test) using it and make the init nondeterministic.
        using var generator = new Generator((ulong)seed);
        for (var i = 0; i < numLayers; i++)
        {
            var inFeatures = i == 0 ? InputSize : hiddenDim;
            var outFeatures = i == numLayers - 1 ? OutputSize : hiddenDim;
            layers.Add(CreateLinear(inFeatures, outFeatures, generator));
            if (i < numLayers - 1)
            {
                acts.Add(CreateActivation(activation));
            }
        }

        RegisterComponents();

        if (initScale != 1.0)
        {
            using var noGrad = no_grad();
            foreach (var p in parameters())
            {
                p.mul_(initScale);
            }
        }
    }

    /// <inheritdoc />
    public int MatrixSize { get; }

    /// <inheritdoc />
    public int InputSize { get; }

    /// <inheritdoc />
    public int OutputSize { get; }

    /// <summary>Width of each hidden layer.</summary>
    public int HiddenDim { get; }

    /// <summary>Activation between Linear layers.</summary>
    public ActivationKind Activation { get; }

    /// <summary>Number of Linear layers.</summary>
    public int LayerCount => layers.Count;

    /// <summary>The Linear layers in forward order.</summary>
    public IReadOnlyList<Linear> Layers => [.. layers];

    nn.Module<Tensor, Tensor> IModel.Module => this;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var x = input;
        for (var i = 0; i < layers.Count; i++)
        {
            x = layers[i].call(x);
            if (i < acts.Count)
            {
                x = acts[i].call(x);
            }
        }

        return x;
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input) => call(input);

    /// <inheritdoc />
    public IReadOnlyList<NamedWeight> GetWeights() =>
        layers.Select((l, i) => new NamedWeight($"layers.{i}.weight", l.weight!)).ToArray();

    /// <inheritdoc />
    public ActivationRecorder RecordActivations()
    {
        var recorder = new ActivationRecorder(
            layers.Take(acts.Count).Cast<nn.Module<Tensor, Tensor>>().ToArray(), acts.ToArray(), () => Interlocked.Decrement(ref _liveRecorders));
        Interlocked.Increment(ref _liveRecorders);
        return recorder;
    }

    // The trainer's fused step bypasses module forwards, so it steps aside while a recorder needs its hooks to fire.
    internal int LiveRecorders => Volatile.Read(ref _liveRecorders);

    // Same draws, in the same order and with the same bounds, as nn.Linear's kaiming_uniform_(a = √5) weight and
    // uniform(±1/√fan_in) bias, so a given seed gives the parameters torch.manual_seed(seed) + nn.Linear would.
    private static Linear CreateLinear(int inFeatures, int outFeatures, Generator generator)
    {
        using var noGrad = no_grad();
        var a = Math.Sqrt(5.0);
        var gain = Math.Sqrt(2.0 / (1 + Math.Pow(a, 2)));
        var weightBound = Math.Sqrt(3.0) * (gain / Math.Sqrt(inFeatures));
        var biasBound = 1 / Math.Sqrt(inFeatures);
        var weight = empty(outFeatures, inFeatures).uniform_(-weightBound, weightBound, generator);
        var bias = empty(outFeatures).uniform_(-biasBound, biasBound, generator);
        return nn.Linear(new Parameter(weight), new Parameter(bias));
    }

    private static nn.Module<Tensor, Tensor> CreateActivation(ActivationKind kind) => kind switch
    {
        ActivationKind.Relu => nn.ReLU(),
        ActivationKind.Tanh => nn.Tanh(),
        ActivationKind.Sigmoid => nn.Sigmoid(),
        ActivationKind.Gelu => nn.GELU(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
    };
}
