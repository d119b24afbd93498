using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace MatrixGrokker.Analysis;

// Every epoch keeps its analysis values in the history, so a long run holds thousands of these. Keys come from a
// process-wide pool and values sit in one array: ~0.5 KB per epoch instead of a Dictionary with freshly built key
// strings (~3 KB), which the 50k-step memory soak showed as steady managed-heap growth.
internal sealed class FlatAnalysisValues : IReadOnlyDictionary<string, double>
{
    private static readonly ConcurrentDictionary<(string Analyzer, string Suffix), string> KeyPool = new();
    private static readonly ConcurrentDictionary<string, string> NamePool = new(StringComparer.Ordinal);

    private readonly string[] _keys;
    private readonly double[] _values;

    private FlatAnalysisValues(string[] keys, double[] values)
    {
        _keys = keys;
        _values = values;
    }

    public static FlatAnalysisValues Empty { get; } = new([], []);

    public int Count => _keys.Length;

    public IEnumerable<string> Keys => _keys;

    public IEnumerable<double> Values => _values;

    public double this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No analysis value named '{key}'.");

    public static FlatAnalysisValues From(IReadOnlyList<AnalyzerResult> results)
    {
        var keys = new List<string>();
        var values = new List<double>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            Set(NamePool.GetOrAdd(r.Name, r.Name), r.Value);
            foreach (var (k, v) in r.PerLayer)
            {
                Set(Key(r.Name, k), v);
            }

            foreach (var (k, v) in r.Extra)
            {
                Set(Key(r.Name, k), v);
            }
        }

        return new FlatAnalysisValues([.. keys], [.. values]);

        // Later entries win, as a dictionary assignment would.
        void Set(string key, double value)
        {
            if (seen.TryGetValue(key, out var at))
            {
                values[at] = value;
                return;
            }

            seen[key] = keys.Count;
            keys.Add(key);
            values.Add(value);
        }
    }

    private static string Key(string analyzer, string suffix) =>
        KeyPool.GetOrAdd((analyzer, suffix), static k => $"{k.Analyzer}.{k.Suffix}");

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out double value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _values[i] : 0;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<string, double>> GetEnumerator()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            yield return new KeyValuePair<string, double>(_keys[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // A few dozen keys: a scan is as fast as hashing and needs no bucket arrays.
    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < _keys.Length; i++)
        {
            if (string.Equals(_keys[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
