using System.Globalization;
using MatrixGrokker.Training;
using MatrixGrokker.Transfer;
using TorchSharp;

namespace MatrixGrokker.Experiment;

/// <summary>
/// Streams one row per epoch to metrics.csv and metrics.jsonl (flushed each epoch, so an interrupted run keeps its
/// history) and, when enabled, to TensorBoard; collects the grokking and transfer events for the summary.
/// </summary>
internal sealed class RunRecorder : ITrainerCallback, IDisposable
{
    private readonly string _folder;
    private readonly bool _tensorBoardEnabled;
    private readonly Action _prepareFolder;
    private StreamWriter? _csv;
    private StreamWriter? _jsonl;
    private TorchSharp.Modules.SummaryWriter? _tensorBoard;
    private readonly List<EpochRow> _rows = [];

    /// <param name="folder">Run folder.</param>
    /// <param name="tensorBoard">Also write TensorBoard events.</param>
    /// <param name="prepareFolder">Clears the previous run's outputs; called right before the first file is written.</param>
    public RunRecorder(string folder, bool tensorBoard, Action prepareFolder)
    {
        _folder = folder;
        _tensorBoardEnabled = tensorBoard;
        _prepareFolder = prepareFolder;
    }

    // Files are created only when training has really started (the trainer's checkpoint checks passed) or history is
    // written: a run that fails those checks must leave the previous run's outputs in place.
    private void EnsureOpen()
    {
        if (_csv is not null)
        {
            return;
        }

        _prepareFolder();
        _csv = new StreamWriter(Path.Combine(_folder, "metrics.csv"), append: false);
        _jsonl = new StreamWriter(Path.Combine(_folder, "metrics.jsonl"), append: false);
        _csv.WriteLine(EpochRow.CsvHeader);
        if (_tensorBoardEnabled)
        {
            _tensorBoard = torch.utils.tensorboard.SummaryWriter(Path.Combine(_folder, "tensorboard"));
        }
    }

    public IReadOnlyList<EpochRow> Rows => _rows;

    public GrokkingReport? Grokking { get; private set; }

    public List<TransferResult> Transfers { get; } = [];

    // A resumed run starts with its restored history: write it first so the files hold every epoch.
    public void OnTrainBegin(TrainingContext context) => WriteHistory(context.History);

    public void WriteHistory(IEnumerable<EpochMetrics> history)
    {
        EnsureOpen();
        foreach (var m in history.Where(m => _rows.Count == 0 || m.Epoch > _rows[^1].Epoch))
        {
            Write(EpochRow.From(m), tensorBoard: false);
        }
    }

    public void OnEpochEnd(TrainingContext context, EpochMetrics metrics) => Write(EpochRow.From(metrics), tensorBoard: true);

    private void Write(EpochRow row, bool tensorBoard)
    {
        EnsureOpen();
        _rows.Add(row);
        _csv!.WriteLine(row.ToCsv());
        _csv.Flush();
        _jsonl!.WriteLine(row.ToJsonLine());
        _jsonl.Flush();
        if (tensorBoard && _tensorBoard is not null)
        {
            WriteTensorBoard(row);
        }
    }

    // TensorBoard is a convenience: losing it (folder removed, disk full) must not end a long run.
    private void WriteTensorBoard(EpochRow row)
    {
        try
        {
            var tb = _tensorBoard!;

            // The writer rewrites its file per event, so this logs once per epoch only.
            var step = row.Epoch;
            tb.add_scalar("loss/train", (float)row.TrainLoss, step);
            tb.add_scalar("loss/val", (float)row.ValidationLoss, step);
            tb.add_scalar("accuracy/train", (float)row.TrainAccuracy, step);
            tb.add_scalar("accuracy/val", (float)row.ValidationAccuracy, step);
            tb.add_scalar("regularization/wd", (float)row.WeightDecay, step);
            tb.add_scalar("optim/lr", (float)row.LearningRate, step);
            if (row.LocalComplexity is { } lc)
            {
                tb.add_scalar("metrics/lc", (float)lc, step);
            }

            if (row.Superposition is { } sp)
            {
                tb.add_scalar("metrics/sp", (float)sp, step);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _tensorBoard = null;
            TensorBoardError = ex.Message;
        }
    }

    /// <summary>Why TensorBoard logging stopped, if it did.</summary>
    public string? TensorBoardError { get; private set; }

    public void OnGrokkingDetected(TrainingContext context, GrokkingReport report) => Grokking = report;

    public void OnTransferEvaluated(TrainingContext context, TransferResult result)
    {
        Transfers.Add(result);
        try
        {
            _tensorBoard?.add_scalar(string.Create(CultureInfo.InvariantCulture, $"transfer/{result.Strategy}/accuracy"), (float)result.Accuracy, result.Size);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _tensorBoard = null;
            TensorBoardError = ex.Message;
        }
    }

    public void Dispose()
    {
        _csv?.Dispose();
        _jsonl?.Dispose();
    }
}
