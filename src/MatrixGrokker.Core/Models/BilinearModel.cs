using MatrixGrokker.Runtime;
using MatrixGrokker.Strassen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MatrixGrokker.Models;

/// <summary>How <see cref="BilinearModel"/> draws its initial coefficients.</summary>
public enum BilinearInitialization
{
    /// <summary>U, V and W independent N(0, std²).</summary>
    Gaussian,

    /// <summary>U and W drawn N(0, std²), V a copy of U (the symmetric start U = V).</summary>
    Symmetric,
}

/// <summary>
/// The bilinear model <c>c = W((U·a) ⊙ (V·b))</c> on inputs <c>[vec(A) | vec(B)]</c>: R slots, each the product of one
/// linear form of A and one of B, combined linearly into vec(C). With integer coefficients and R = 7 it can be exactly
/// Strassen's algorithm. Its one hidden layer is the R products: <see cref="RecordActivations"/> records the two linear
/// forms <c>[U·a | V·b]</c> as pre-activations and the products <c>(U·a) ⊙ (V·b)</c> as activations.
/// </summary>
public sealed class BilinearModel : nn.Module<Tensor, Tensor>, IModel
{
    private readonly Parameter _u;
    private readonly Parameter _v;
    private readonly Parameter _w;
    private readonly FactorLayer _factors;
    private readonly ProductLayer _products;

    /// <summary>Creates a model with random coefficients.</summary>
    /// <param name="matrixSize">n of the n×n products (2 for Strassen).</param>
    /// <param name="slots">R, the number of products.</param>
    /// <param name="seed">Seed of the initialisation (a private generator; the global RNG is untouched).</param>
    /// <param name="initialization">Independent Gaussian, or symmetric (V = U).</param>
    /// <param name="initStd">Standard deviation of the initial coefficients.</param>
    /// <param name="dtype">Parameter type: Float32 to train on the library's datasets, Float64 for exact work.</param>
    public BilinearModel(int matrixSize = 2, int slots = 8, long seed = 0, BilinearInitialization initialization = BilinearInitialization.Gaussian, double initStd = 0.5, ScalarType dtype = ScalarType.Float32)
        : base(TorchRuntime.Checked(nameof(BilinearModel)))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(matrixSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        if (!(initStd > 0 && double.IsFinite(initStd)))
        {
            throw new ArgumentOutOfRangeException(nameof(initStd), initStd, "initStd must be a positive finite number.");
        }

        if (dtype is not (ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "BilinearModel supports Float32 and Float64 parameters.");
        }

        MatrixSize = matrixSize;
        Slots = slots;
        var d = matrixSize * matrixSize;
        using (var scope = NewDisposeScope())
        {
            using var generator = new Generator((ulong)seed);
            var u = randn([slots, d], dtype, generator: generator).mul_(initStd);
            var v = initialization switch
            {
                BilinearInitialization.Gaussian => randn([slots, d], dtype, generator: generator).mul_(initStd),
                BilinearInitialization.Symmetric => u.clone(),
                _ => throw new ArgumentOutOfRangeException(nameof(initialization), initialization, "Unknown initialisation."),
            };
            var w = randn([d, slots], dtype, generator: generator).mul_(initStd);
            _u = new Parameter(u.DetachFromDisposeScope());
            _v = new Parameter(v.DetachFromDisposeScope());
            _w = new Parameter(w.DetachFromDisposeScope());
        }

        _factors = new FactorLayer(this);
        _products = new ProductLayer(slots);
        register_parameter("U", _u);
        register_parameter("V", _v);
        register_parameter("W", _w);
        register_module("factors", _factors);
        register_module("products", _products);
    }

    /// <inheritdoc />
    public int MatrixSize { get; }

    /// <inheritdoc />
    public int InputSize => 2 * MatrixSize * MatrixSize;

    /// <inheritdoc />
    public int OutputSize => MatrixSize * MatrixSize;

    /// <summary>R, the number of products.</summary>
    public int Slots { get; }

    /// <summary>Left factors [R, n²].</summary>
    public Parameter U => _u;

    /// <summary>Right factors [R, n²].</summary>
    public Parameter V => _v;

    /// <summary>Output combination [n², R].</summary>
    public Parameter W => _w;

    nn.Module<Tensor, Tensor> IModel.Module => this;

    /// <summary>A model whose coefficients are those of <paramref name="algorithm"/>.</summary>
    /// <param name="algorithm">The rule.</param>
    /// <param name="dtype">Parameter type.</param>
    public static BilinearModel FromAlgorithm(BilinearAlgorithm algorithm, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        var model = new BilinearModel(algorithm.BlockSize, algorithm.Rank, 0, dtype: dtype);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model._u.copy_(tensor(algorithm.GetU(), ScalarType.Float64).to_type(dtype));
        model._v.copy_(tensor(algorithm.GetV(), ScalarType.Float64).to_type(dtype));
        model._w.copy_(tensor(algorithm.GetW(), ScalarType.Float64).to_type(dtype));
        return model;
    }

    /// <summary>The current coefficients as a (generally non-integer) rule.</summary>
    public BilinearAlgorithm ToAlgorithm()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return new BilinearAlgorithm(ToArray(_u), ToArray(_v), ToArray(_w));
    }

    /// <summary>Importance ‖U_r‖·‖V_r‖·‖W_:,r‖ of each slot (a slot with any zero factor contributes nothing).</summary>
    public double[] SlotImportance()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var importance = _u.norm(1).mul(_v.norm(1)).mul(_w.norm(0)).to_type(ScalarType.Float64);
        return importance.data<double>().ToArray();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 2 || input.shape[1] != InputSize)
        {
            throw new ArgumentException($"Input must be [batch, {InputSize}] ([vec(A) | vec(B)]); got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        var products = _products.call(_factors.call(input));
        return products.matmul(_w.t());
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor input) => call(input);

    /// <inheritdoc />
    public IReadOnlyList<NamedWeight> GetWeights() =>
        [new NamedWeight("U", _u), new NamedWeight("V", _v), new NamedWeight("W", _w)];

    /// <inheritdoc />
    public ActivationRecorder RecordActivations() => new([_factors], [_products]);

    private static double[,] ToArray(Tensor t)
    {
        var rows = (int)t.shape[0];
        var cols = (int)t.shape[1];
        var flat = t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var result = new double[rows, cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                result[r, c] = flat[(r * cols) + c];
            }
        }

        return result;
    }

    // [vec(A) | vec(B)] → [U·a | V·b]. Holds no parameters of its own: it reads the owner's U and V, so that hooks see
    // the linear forms while the state dict keeps the plain names U, V, W.
    private sealed class FactorLayer : nn.Module<Tensor, Tensor>
    {
        private readonly Func<(Tensor U, Tensor V)> _weights;

        public FactorLayer(BilinearModel owner)
            : base("factors") => _weights = () => (owner._u, owner._v);

        public override Tensor forward(Tensor input)
        {
            var (u, v) = _weights();
            var d = u.shape[1];
            var a = input.narrow(1, 0, d);
            var b = input.narrow(1, d, d);
            return cat([a.matmul(u.t()), b.matmul(v.t())], 1);
        }
    }

    // [x | y] → x ⊙ y: the R products, the model's hidden representation.
    private sealed class ProductLayer(int slots) : nn.Module<Tensor, Tensor>("products")
    {
        public override Tensor forward(Tensor input) => input.narrow(1, 0, slots).mul(input.narrow(1, slots, slots));
    }
}
