using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MatrixGrokker.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MatrixGrokker.Training.Optimization;

/// <summary>
/// AdamW (decoupled weight decay, bias-corrected moments; the same update as <c>torch.optim.AdamW</c> without
/// amsgrad) over one flat buffer. On construction every parameter and its gradient are re-pointed to slices of two
/// contiguous buffers, so a step is one pass over four arrays instead of several tensor operations per parameter.
/// </summary>
/// <remarks>
/// The parameters keep their identity (modules, hooks and state dicts see the same tensors); only their storage
/// moves. Zero gradients with <see cref="ZeroGrad"/>: anything that replaces a parameter's storage or gradient
/// tensor is detected by <see cref="Step"/>; a replaced gradient is copied back into the flat buffer, a moved
/// parameter is an error. Float32 CPU buffers use a vectorised managed kernel; other dtypes and devices use a few
/// whole-buffer torch operations.
/// </remarks>
public sealed class FusedAdamW : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly long[] _offsets;
    private readonly Tensor _params;
    private readonly Tensor _grads;
    private readonly Tensor _expAvg;
    private readonly Tensor _expAvgSq;
    private readonly bool _managedKernel;
    private bool _disposed;

    /// <summary>Creates the optimizer and moves the parameters' storage into its flat buffer.</summary>
    /// <param name="parameters">Parameters to optimise; those that do not require gradients are left alone.</param>
    /// <param name="learningRate">Initial learning rate, &gt; 0.</param>
    /// <param name="weightDecay">Initial decoupled weight decay, &gt;= 0 (<c>θ ← θ·(1 − lr·wd)</c> each step).</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the bias-corrected root second moment, &gt; 0.</param>
    public FusedAdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double weightDecay = 0.01, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : this(parameters, learningRate, weightDecay, beta1, beta2, epsilon, allowManagedKernel: true)
    {
    }

    internal FusedAdamW(IEnumerable<Parameter> parameters, double learningRate, double weightDecay, double beta1, double beta2, double epsilon, bool allowManagedKernel)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        TorchRuntime.EnsureAvailable();
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        }

        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        }

        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be finite and > 0.");
        }

        LearningRate = learningRate;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;

        // Shared parameters appear once; frozen ones are not optimised.
        var unique = new List<Parameter>();
        var seen = new HashSet<IntPtr>();
        foreach (var p in parameters)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            if (p.requires_grad && seen.Add(p.Handle))
            {
                unique.Add(p);
            }
        }

        if (unique.Count == 0)
        {
            throw new ArgumentException("No parameter requires a gradient; there is nothing to optimise.", nameof(parameters));
        }

        var dtype = unique[0].dtype;
        var device = unique[0].device;
        if (!is_floating_point(unique[0]))
        {
            throw new ArgumentException($"Parameters must be floating point, not {dtype}.", nameof(parameters));
        }

        foreach (var p in unique)
        {
            if (p.dtype != dtype || p.device.type != device.type || p.device.index != device.index)
            {
                throw new ArgumentException(
                    $"All parameters must share one dtype and device; found {dtype} on {device} and {p.dtype} on {p.device}.",
                    nameof(parameters));
            }
        }

        _parameters = [.. unique];
        _offsets = new long[_parameters.Length + 1];
        for (var i = 0; i < _parameters.Length; i++)
        {
            _offsets[i + 1] = _offsets[i] + _parameters[i].numel();
        }

        var total = _offsets[^1];
        // Owned by the optimizer, not by whatever dispose scope the caller happens to be in.
        _params = zeros(total, dtype, device).DetachFromDisposeScope();
        _grads = zeros(total, dtype, device).DetachFromDisposeScope();
        _expAvg = zeros(total, dtype, device).DetachFromDisposeScope();
        _expAvgSq = zeros(total, dtype, device).DetachFromDisposeScope();
        _managedKernel = allowManagedKernel && dtype == ScalarType.Float32 && device.type == DeviceType.CPU;

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var slice = Slice(_params, i);
            slice.copy_(p);
            p.set_(slice);
            var oldGrad = p.grad;
            if (oldGrad is not null)
            {
                Slice(_grads, i).copy_(oldGrad);
            }

            p.grad = Slice(_grads, i);
        }
    }

    /// <summary>Learning rate used by the next <see cref="Step"/>.</summary>
    public double LearningRate
    {
        get;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Learning rate must be finite and >= 0.");
            }

            field = value;
        }
    }

    /// <summary>Decoupled weight decay used by the next <see cref="Step"/>: parameters are scaled by <c>1 − lr·wd</c>.</summary>
    public double WeightDecay
    {
        get;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Weight decay must be finite and >= 0.");
            }

            field = value;
        }
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the bias-corrected root second moment.</summary>
    public double Epsilon { get; }

    /// <summary>Steps taken so far (drives the bias correction).</summary>
    public long StepCount { get; private set; }

    /// <summary>The optimised parameters, in flat-buffer order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Total number of optimised scalars (length of every flat buffer).</summary>
    public long Count => _offsets[^1];

    /// <summary>Learning rate the last <see cref="Step"/> applied (NaN before the first step).</summary>
    public double AppliedLearningRate { get; private set; } = double.NaN;

    /// <summary>Weight decay the last <see cref="Step"/> applied (NaN before the first step).</summary>
    public double AppliedWeightDecay { get; private set; } = double.NaN;

    // The flat gradient buffer; every parameter's .grad is a view of it.
    internal Tensor FlatGradients => _grads;

    // True when every gradient is finite. Float32 on the CPU: one vectorised pass over the flat buffer, which costs a
    // few µs where a float64 sum kernel and a device read cost ≈ 25 µs; elsewhere that sum.
    internal bool GradientsAreFinite()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_managedKernel)
        {
            return AllFinite(MemoryMarshal.Cast<byte, float>(_grads.bytes));
        }

        using var scope = NewDisposeScope();
        return _grads.sum(type: ScalarType.Float64).isfinite().item<bool>();
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        // x − x is 0 for every finite x and NaN for ±Inf and NaN, and NaN sticks in the sum.
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var sum = Vector<float>.Zero;
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            foreach (var v in vectors)
            {
                sum += v - v;
            }

            if (!Vector.EqualsAll(sum, Vector<float>.Zero))
            {
                return false;
            }

            i = vectors.Length * Vector<float>.Count;
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return false;
            }
        }

        return true;
    }

    // The flat parameter buffer; every parameter's storage is a view of it.
    internal Tensor FlatParameters => _params;

    /// <summary>Sets every gradient to zero (one operation on the flat gradient buffer).</summary>
    public void ZeroGrad()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        _grads.zero_();
    }

    /// <summary>Applies one AdamW update with the current <see cref="LearningRate"/> and <see cref="WeightDecay"/>.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        EnsureAliased();

        StepCount++;
        var lr = LearningRate;
        var wd = WeightDecay;
        var biasCorrection1 = 1 - Math.Pow(Beta1, StepCount);
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, StepCount));
        var stepSize = lr / biasCorrection1;
        var decay = 1 - lr * wd;

        if (_managedKernel)
        {
            Update(
                MemoryMarshal.Cast<byte, float>(_params.bytes),
                MemoryMarshal.Cast<byte, float>(_grads.bytes),
                MemoryMarshal.Cast<byte, float>(_expAvg.bytes),
                MemoryMarshal.Cast<byte, float>(_expAvgSq.bytes),
                (float)decay, (float)Beta1, (float)Beta2, (float)stepSize, (float)(1 / biasCorrection2Sqrt), (float)Epsilon);
        }
        else
        {
            if (wd != 0)
            {
                _params.mul_(decay);
            }

            _expAvg.mul_(Beta1).add_(_grads, alpha: 1 - Beta1);
            _expAvgSq.mul_(Beta2).addcmul_(_grads, _grads, value: 1 - Beta2);
            var denom = _expAvgSq.sqrt().div_(biasCorrection2Sqrt).add_(Epsilon);
            _params.addcdiv_(_expAvg, denom, value: -stepSize);
        }

        AppliedLearningRate = lr;
        AppliedWeightDecay = wd;
    }

    /// <summary>
    /// Copies the optimizer state for a checkpoint: the step count and the flat first and second moments (1-D, in
    /// <see cref="Parameters"/> order). The caller owns the returned tensors.
    /// </summary>
    public AdamWState ExportState()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        return new AdamWState(StepCount, _expAvg.clone().DetachFromDisposeScope(), _expAvgSq.clone().DetachFromDisposeScope());
    }

    /// <summary>Restores state produced by <see cref="ExportState"/> for the same parameters (values are copied).</summary>
    /// <param name="state">Step count and moments.</param>
    public void ImportState(AdamWState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        CheckMoment(state.ExpAvg, "ExpAvg");
        CheckMoment(state.ExpAvgSq, "ExpAvgSq");
        using var noGrad = no_grad();
        _expAvg.copy_(state.ExpAvg);
        _expAvgSq.copy_(state.ExpAvgSq);
        StepCount = state.StepCount;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // The parameters still point into _params and _grads; disposing our handles only drops our references.
        _params.Dispose();
        _grads.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
    }

    private void CheckMoment(Tensor moment, string name)
    {
        if (moment.Dimensions != 1 || moment.shape[0] != Count)
        {
            throw new ArgumentException(
                $"{name} has shape [{string.Join(", ", moment.shape)}]; this optimizer holds {Count} values in one dimension (were the parameters the same?).",
                "state");
        }
    }

    private Tensor Slice(Tensor flat, int index) =>
        flat.narrow(0, _offsets[index], _offsets[index + 1] - _offsets[index]).view(_parameters[index].shape);

    // Verifies that every parameter and gradient still lives in the flat buffers; repairs replaced gradients (copies
    // them in), so checks that read the flat buffer see what Step will apply.
    internal void EnsureAliased()
    {
        if (!_managedKernel)
        {
            // Off the CPU the storage cannot be compared cheaply; gradients are re-pointed only if missing.
            for (var i = 0; i < _parameters.Length; i++)
            {
                using var g = _parameters[i].grad;
                if (g is null)
                {
                    Slice(_grads, i).zero_();
                    _parameters[i].grad = Slice(_grads, i);
                }
            }

            return;
        }

        var flatParams = MemoryMarshal.Cast<byte, float>(_params.bytes);
        var flatGrads = MemoryMarshal.Cast<byte, float>(_grads.bytes);
        for (var i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var offset = (int)_offsets[i];
            if (!p.is_contiguous() || !Unsafe.AreSame(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(p.bytes)), ref flatParams[offset]))
            {
                throw new InvalidOperationException(
                    $"Parameter {i} no longer lives in the optimizer's buffer (was it moved or replaced, e.g. by .to()?). Create the optimizer after the model is in place.");
            }

            using var g = p.grad;
            if (g is null || !g.is_contiguous() || !Unsafe.AreSame(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(g.bytes)), ref flatGrads[offset]))
            {
                var slice = Slice(_grads, i);
                if (g is null)
                {
                    slice.zero_();
                }
                else
                {
                    slice.copy_(g);
                }

                p.grad = slice;
            }
        }
    }

    // One pass of AdamW over the flat float32 buffers: torch's AdamW operations in torch's order, except that the
    // division by √(bias correction 2) is a multiplication by its reciprocal (one divide less; last-bit differences).
    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float decay, float beta1, float beta2, float stepSize, float invBc2Sqrt, float eps)
    {
        var oneMinusBeta1 = 1 - beta1;
        var oneMinusBeta2 = 1 - beta2;
        var i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<float>.Count)
        {
            var vDecay = new Vector<float>(decay);
            var vBeta1 = new Vector<float>(beta1);
            var vBeta2 = new Vector<float>(beta2);
            var v1mb1 = new Vector<float>(oneMinusBeta1);
            var v1mb2 = new Vector<float>(oneMinusBeta2);
            var vStep = new Vector<float>(stepSize);
            var vInvBc2 = new Vector<float>(invBc2Sqrt);
            var vEps = new Vector<float>(eps);
            var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (var k = 0; k < pv.Length; k++)
            {
                var grad = gv[k];
                var mk = (mv[k] * vBeta1) + (grad * v1mb1);
                var vk = (vv[k] * vBeta2) + (grad * grad * v1mb2);
                mv[k] = mk;
                vv[k] = vk;
                var denom = (Vector.SquareRoot(vk) * vInvBc2) + vEps;
                pv[k] = (pv[k] * vDecay) - (vStep * (mk / denom));
            }

            i = pv.Length * Vector<float>.Count;
        }

        for (; i < p.Length; i++)
        {
            var grad = g[i];
            var mk = (m[i] * beta1) + (grad * oneMinusBeta1);
            var vk = (v[i] * beta2) + (grad * grad * oneMinusBeta2);
            m[i] = mk;
            v[i] = vk;
            var denom = (MathF.Sqrt(vk) * invBc2Sqrt) + eps;
            p[i] = (p[i] * decay) - (stepSize * (mk / denom));
        }
    }
}

/// <summary>
/// The state of a <see cref="FusedAdamW"/>: step count and flat first and second moments in parameter order.
/// Owns its tensors; dispose it when done.
/// </summary>
public sealed class AdamWState : IDisposable
{
    /// <summary>Creates the state; it takes ownership of the tensors.</summary>
    /// <param name="stepCount">Steps taken, &gt;= 0.</param>
    /// <param name="expAvg">First moment (1-D, one value per optimised scalar).</param>
    /// <param name="expAvgSq">Second moment (1-D, same length).</param>
    public AdamWState(long stepCount, Tensor expAvg, Tensor expAvgSq)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        ArgumentNullException.ThrowIfNull(expAvg);
        ArgumentNullException.ThrowIfNull(expAvgSq);
        StepCount = stepCount;
        ExpAvg = expAvg;
        ExpAvgSq = expAvgSq;
    }

    /// <summary>Steps taken.</summary>
    public long StepCount { get; }

    /// <summary>First moment (1-D, one value per optimised scalar).</summary>
    public Tensor ExpAvg { get; }

    /// <summary>Second moment (1-D, same length).</summary>
    public Tensor ExpAvgSq { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        ExpAvg.Dispose();
        ExpAvgSq.Dispose();
    }
}
