using MatrixGrokker.Models;
using MatrixGrokker.Options;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MatrixGrokker.Training.Optimization;

/// <summary>
/// Forward pass, MSE loss and backward pass of an <see cref="MlpModel"/> written out by hand: the operations autograd
/// would run, in the same order, without building a graph, and with the weight gradients written straight into each
/// parameter's <c>.grad</c> (the optimizer's flat buffer) instead of being allocated and then added.
/// </summary>
internal sealed class MlpFusedStep
{
    private readonly MlpModel _model;
    private readonly Linear[] _layers;
    private readonly ActivationKind _activation;

    private MlpFusedStep(MlpModel model)
    {
        _model = model;
        _layers = [.. model.Layers];
        _activation = model.Activation;
    }

    /// <summary>
    /// The fused step for <paramref name="model"/>, or null when it does not apply: option off, another model or
    /// activation, or a frozen parameter (the optimizer gives frozen parameters no gradient buffer; autograd skips them).
    /// </summary>
    public static MlpFusedStep? TryCreate(IModel model, TrainingOptions training) =>
        training.FusedMlpStep
        && model is MlpModel { Activation: ActivationKind.Relu or ActivationKind.Tanh or ActivationKind.Sigmoid } mlp
        && mlp.parameters().All(p => p.requires_grad)
            ? new MlpFusedStep(mlp)
            : null;

    /// <summary>False while an activation recorder is alive: its hooks only fire through the module's forward.</summary>
    public bool CanRun => _model.LiveRecorders == 0;

    /// <summary>Computes prediction and loss of one batch and overwrites every parameter's gradient with this batch's.</summary>
    /// <param name="x">Inputs [batch, in].</param>
    /// <param name="y">Targets [batch, out].</param>
    public (Tensor Prediction, Tensor Loss) Run(Tensor x, Tensor y)
    {
        using var noGrad = no_grad();
        var n = _layers.Length;
        var inputs = new Tensor[n];
        var h = x;
        for (var i = 0; i < n; i++)
        {
            inputs[i] = h;
            h = addmm(_layers[i].bias!, h, _layers[i].weight!.t(), 1, 1);
            if (i < n - 1)
            {
                h = Activate(h);
            }
        }

        var prediction = h;
        var diff = prediction - y;
        var loss = diff.square().mean();
        var g = diff.mul_(2.0 / diff.numel()); // d mean((p − y)²) / dp

        for (var i = n - 1; i >= 0; i--)
        {
            var layer = _layers[i];
            Gradient(layer.weight!).addmm_(g.t(), inputs[i], beta: 0, alpha: 1);
            Gradient(layer.bias!).copy_(g.sum(dim: 0L));
            if (i > 0) // the first layer's input needs no gradient
            {
                g = ActivationBackward(g.mm(layer.weight!), inputs[i]);
            }
        }

        return (prediction, loss);
    }

    // The optimizer gives every parameter a gradient view of its flat buffer; only foreign code can remove one.
    private static Tensor Gradient(Tensor parameter) => parameter.grad ?? throw new InvalidOperationException(
        "A parameter of the MLP has no gradient tensor (was .grad set to null?); the fused step writes gradients into the optimizer's buffer.");

    private Tensor Activate(Tensor h) => _activation switch
    {
        ActivationKind.Relu => h.relu_(),
        ActivationKind.Tanh => h.tanh_(),
        ActivationKind.Sigmoid => h.sigmoid_(),
        _ => throw new InvalidOperationException($"No fused step for {_activation}."),
    };

    // Gradients through the activation, from its output a, in the form and order of torch's own backward kernels:
    // tanh multiplies by 1 − a², sigmoid by (1 − a)·a. ReLU multiplies by the mask a > 0, which equals torch's
    // threshold_backward up to the sign of zero (and NaN where a unit is off, after a NaN loss has already stopped
    // training); masked_fill_ would match it exactly but costs ~0.09 ms per call here, a tenth of the whole step.
    private Tensor ActivationBackward(Tensor grad, Tensor a) => _activation switch
    {
        ActivationKind.Relu => grad.mul_(a.gt(0)),
        ActivationKind.Tanh => grad.mul_(1 - (a * a)),
        ActivationKind.Sigmoid => grad.mul_(1 - a).mul_(a),
        _ => throw new InvalidOperationException($"No fused step for {_activation}."),
    };
}
