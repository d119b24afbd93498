using MatrixGrokker.Models;

namespace MatrixGrokker.Transfer;

/// <summary>
/// A transfer strategy that multiplies through one model, so that analyzers (LC, SP, …) can describe it. The
/// <see cref="TransferEvaluator"/> probes that model with the top-left m×m blocks of its evaluation pairs.
/// </summary>
public interface ITransferModelSource
{
    /// <summary>The model that does the work at size <paramref name="n"/>, or null.</summary>
    /// <param name="n">Matrix size being evaluated.</param>
    IModel? ModelFor(int n);
}
