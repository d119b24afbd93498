using Microsoft.Extensions.Configuration;

namespace MatrixGrokker.Tests.DependencyInjection;

// Configuration under the "MatrixGrokker" section, as an application's appsettings would hold it.
internal static class DiConfig
{
    // A model and run small enough for a test session.
    public static readonly (string Key, string Value)[] Tiny =
    [
        ("Model:HiddenDim", "16"), ("Data:Samples", "200"), ("Training:Epochs", "2"), ("Training:BatchSize", "50"),
    ];

    public static IConfiguration Of(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("MatrixGrokker:" + v.Key, v.Value)))
            .Build();
}
