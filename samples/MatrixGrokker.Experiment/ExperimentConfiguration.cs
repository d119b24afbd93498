using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.ComponentModel.DataAnnotations;
using MatrixGrokker.Metrics;
using MatrixGrokker.Options;
using Microsoft.Extensions.Configuration;

namespace MatrixGrokker.Experiment;

/// <summary>A command line or configuration value that cannot be used; the message names the option.</summary>
public sealed class ConfigurationErrorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationErrorException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line naming the option and the problem.</param>
    public ConfigurationErrorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line naming the option and the problem.</param>
    /// <param name="inner">Cause.</param>
    public ConfigurationErrorException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Library and experiment options of one run, after every configuration layer was applied and validated.</summary>
/// <param name="Options">Library options.</param>
/// <param name="Experiment">Driver options.</param>
/// <param name="ShowHelp">The user asked for usage text.</param>
/// <param name="ThermalEngine">Thermal-engine settings (section <c>ThermalEngine</c>); defaults when null.</param>
public sealed record ExperimentSettings(MatrixGrokkerOptions Options, ExperimentOptions Experiment, bool ShowHelp = false, ThermalEngineOptions? ThermalEngine = null);

/// <summary>
/// Builds <see cref="ExperimentSettings"/> from, lowest priority first: <c>appsettings.json</c>, the chosen preset
/// (section <c>Presets:&lt;name&gt;</c>), environment variables prefixed <c>MATRIXGROKKER_</c> (<c>__</c> separates
/// sections) and the command line.
/// </summary>
public static class ExperimentConfiguration
{
    /// <summary>Prefix of the environment variables read.</summary>
    public const string EnvironmentPrefix = "MATRIXGROKKER_";

    /// <summary>Usage text.</summary>
    public const string Usage = """
        Usage: MatrixGrokker.Experiment [--out <dir>] [--epochs <n>] [--seed <n>] [--fresh] [--preset <name>] [--Section:Key=value ...]
          --out <dir>         run folder (default runs/<UTC timestamp>); rerunning with the same folder resumes
          --epochs <n>        maximum epochs (Training:Epochs)
          --seed <n>          seed of data, initialisation and shuffling (Training:Seed)
          --fresh             ignore checkpoints and outputs already in the run folder
          --preset <name>     apply a preset from appsettings.json (seed, precise, grokking)
          --Section:Key=value any option, e.g. --Model:HiddenDim=128 --Transfer:ExpansionSizes:0=16 --ThermalEngine:Gain=1.5
        Environment: MATRIXGROKKER_Section__Key=value. Exit codes: 0 done, 1 failed, 2 invalid options, 130 cancelled.
        """;

    private static readonly string[] LibrarySections = ["Model", "Data", "Training", "Metrics", "Checkpoint", "Transfer"];
    private const string ThermalSection = "ThermalEngine";

    /// <summary>Parses and validates; throws <see cref="ConfigurationErrorException"/> naming the first bad option.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="settingsDirectory">Folder holding <c>appsettings.json</c>; default the application folder.</param>
    /// <param name="readEnvironment">Also read <c>MATRIXGROKKER_*</c> environment variables.</param>
    public static ExperimentSettings Parse(IReadOnlyList<string> args, string? settingsDirectory = null, bool readEnvironment = true)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            return ParseCore(args, settingsDirectory, readEnvironment);
        }
        catch (ConfigurationErrorException ex)
        {
            // Name the switch the user typed when it is an alias of a configuration key.
            var message = ex.Message;
            foreach (var (alias, key) in Aliases)
            {
                if (args.Any(a => a.StartsWith(alias, StringComparison.OrdinalIgnoreCase)) && message.Contains(key, StringComparison.Ordinal))
                {
                    message = message.Replace(key, $"{alias} ({key[2..]})", StringComparison.Ordinal);
                    break;
                }
            }

            throw new ConfigurationErrorException(message, ex);
        }
    }

    private static readonly (string Alias, string Key)[] Aliases =
        [("--epochs", "--Training:Epochs"), ("--seed", "--Training:Seed"), ("--out", "--Experiment:Out"), ("--preset", "--Experiment:Preset")];

    private static ExperimentSettings ParseCore(IReadOnlyList<string> args, string? settingsDirectory, bool readEnvironment)
    {
        var (cli, help) = Normalize(args);
        if (help)
        {
            return new ExperimentSettings(new MatrixGrokkerOptions(), new ExperimentOptions(), ShowHelp: true);
        }

        var directory = settingsDirectory ?? AppContext.BaseDirectory;
        IConfigurationRoot Build(IEnumerable<KeyValuePair<string, string?>>? preset)
        {
            var builder = new ConfigurationBuilder()
                .SetBasePath(directory)
                .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
            if (preset is not null)
            {
                builder.AddInMemoryCollection(preset);
            }

            if (readEnvironment)
            {
                builder.AddEnvironmentVariables(EnvironmentPrefix);
            }

            return builder.AddCommandLine([.. cli]).Build();
        }

        IConfigurationRoot config;
        try
        {
            config = Build(null);
            var presetName = config["Experiment:Preset"];
            if (!string.IsNullOrEmpty(presetName))
            {
                var section = config.GetSection("Presets").GetChildren()
                    .FirstOrDefault(s => string.Equals(s.Key, presetName, StringComparison.OrdinalIgnoreCase));
                if (section is null)
                {
                    var known = string.Join(", ", config.GetSection("Presets").GetChildren().Select(s => s.Key));
                    throw new ConfigurationErrorException($"--preset: unknown preset '{presetName}' (known: {(known.Length == 0 ? "none" : known)}).");
                }

                var prefix = section.Path.Length + 1;
                var layer = section.AsEnumerable().Where(kv => kv.Value is not null)
                    .Select(kv => new KeyValuePair<string, string?>(kv.Key[prefix..], kv.Value)).ToList();
                config = Build(layer);
            }
        }
        catch (FormatException ex)
        {
            throw new ConfigurationErrorException($"invalid configuration: {ex.Message}", ex);
        }

        return Bind(config);
    }

    /// <summary>Binds and validates an already built configuration (no presets applied here).</summary>
    /// <param name="config">Configuration whose root holds the sections Model, Data, Training, …, Experiment.</param>
    public static ExperimentSettings Bind(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new MatrixGrokkerOptions();
        var experiment = new ExperimentOptions();
        foreach (var (key, value) in config.AsEnumerable())
        {
            if (value is null || key.StartsWith("Presets:", StringComparison.OrdinalIgnoreCase) || key.Equals("Presets", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            CheckLeaf(key, value);
        }

        foreach (var name in LibrarySections)
        {
            var target = typeof(MatrixGrokkerOptions).GetProperty(name)!.GetValue(options)!;
            BindSection(config, config.GetSection(name), target);
        }

        BindSection(config, config.GetSection("Experiment"), experiment);
        var thermal = new ThermalEngineOptions();
        BindSection(config, config.GetSection(ThermalSection), thermal);

        // Per-section DataAnnotations first: they know which section a member belongs to.
        foreach (var name in LibrarySections)
        {
            var target = typeof(MatrixGrokkerOptions).GetProperty(name)!.GetValue(options)!;
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true))
            {
                var first = results[0];
                var members = first.MemberNames.Any() ? string.Join(" / ", first.MemberNames.Select(m => $"--{name}:{m}")) : $"--{name}";
                throw new ConfigurationErrorException($"{members}: {first.ErrorMessage}");
            }
        }

        var failures = new MatrixGrokkerOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
        if (failures.Failed)
        {
            throw new ConfigurationErrorException($"invalid options: {string.Join("; ", failures.Failures).ReplaceLineEndings(" ")}");
        }

        var thermalFailures = new ThermalEngineOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, thermal);
        if (thermalFailures.Failed)
        {
            throw new ConfigurationErrorException($"--{ThermalSection}: {string.Join("; ", thermalFailures.Failures).ReplaceLineEndings(" ")}");
        }

        // The engine reads the analyzers by name; the sample registers only lc and sp (RunComponents.CreateAnalyzers).
        foreach (var (key, name) in new[] { ("LcAnalyzer", thermal.LcAnalyzer), ("SpAnalyzer", thermal.SpAnalyzer) })
        {
            if (!RunComponents.AnalyzerNames.Contains(name, StringComparer.Ordinal))
            {
                throw new ConfigurationErrorException(
                    $"--{ThermalSection}:{key}: the sample runs the analyzers [{string.Join(", ", RunComponents.AnalyzerNames)}], not '{name}'.");
            }
        }

        var experimentError = experiment.Validate().FirstOrDefault();
        if (experimentError is not null)
        {
            throw new ConfigurationErrorException(experimentError);
        }

        return new ExperimentSettings(options, experiment, ThermalEngine: thermal);
    }

    // Maps the fixed switches onto configuration keys; everything else must look like --Section:Key[=value].
    private static (List<string> Cli, bool Help) Normalize(IReadOnlyList<string> args)
    {
        var cli = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                return (cli, true);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new ConfigurationErrorException($"unexpected argument '{arg}' (options start with --; see --help).");
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? arg[2..] : arg[2..eq];
            string NextValue()
            {
                if (eq >= 0)
                {
                    return arg[(eq + 1)..];
                }

                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ConfigurationErrorException($"--{name} needs a value.");
                }

                return args[++i];
            }

            switch (name.ToLowerInvariant())
            {
                case "out":
                    cli.Add($"--Experiment:Out={NextValue()}");
                    break;
                case "epochs":
                    cli.Add($"--Training:Epochs={NextValue()}");
                    break;
                case "seed":
                    cli.Add($"--Training:Seed={NextValue()}");
                    break;
                case "preset":
                    cli.Add($"--Experiment:Preset={NextValue()}");
                    break;
                case "fresh":
                    var fresh = eq >= 0 ? arg[(eq + 1)..] : "true";
                    cli.Add($"--Experiment:Fresh={fresh}");
                    cli.Add($"--Checkpoint:ForceFresh={fresh}");
                    break;
                default:
                    if (!name.Contains(':', StringComparison.Ordinal))
                    {
                        throw new ConfigurationErrorException($"unknown option '--{name}' (see --help; other options are --Section:Key=value).");
                    }

                    cli.Add($"--{name}={NextValue()}");
                    break;
            }
        }

        return (cli, false);
    }

    // Resolves a configuration key to a property path and checks its value converts; names the option when not.
    private static void CheckLeaf(string key, string value)
    {
        var parts = key.Split(':');
        Type type;
        if (parts[0].Equals("Experiment", StringComparison.OrdinalIgnoreCase))
        {
            type = typeof(ExperimentOptions);
        }
        else if (parts[0].Equals(ThermalSection, StringComparison.OrdinalIgnoreCase))
        {
            type = typeof(ThermalEngineOptions);
        }
        else if (LibrarySections.FirstOrDefault(s => s.Equals(parts[0], StringComparison.OrdinalIgnoreCase)) is { } section)
        {
            type = typeof(MatrixGrokkerOptions).GetProperty(section)!.PropertyType;
        }
        else
        {
            throw new ConfigurationErrorException($"unknown option '--{key}' (sections: {string.Join(", ", LibrarySections)}, {ThermalSection}, Experiment).");
        }

        for (var i = 1; i < parts.Length; i++)
        {
            if (ElementType(type) is { } element)
            {
                if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw new ConfigurationErrorException($"--{key}: '{parts[i]}' is not a list index.");
                }

                type = element;
                continue;
            }

            var property = type.GetProperty(parts[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite && ElementType(property.PropertyType) is null)
            {
                throw new ConfigurationErrorException($"unknown option '--{key}'.");
            }

            type = property.PropertyType;
        }

        if (!IsScalar(type))
        {
            throw new ConfigurationErrorException($"--{key} is a section, not a value.");
        }

        if (!TryConvert(value, type))
        {
            var expected = Nullable.GetUnderlyingType(type) ?? type;
            var hint = expected.IsEnum ? string.Join(", ", Enum.GetNames(expected)) : expected.Name;
            throw new ConfigurationErrorException($"--{key}: invalid value '{value}' (expected {hint}).");
        }
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan);
    }

    private static bool TryConvert(string value, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null && value.Length == 0)
        {
            return true;
        }

        var t = underlying ?? type;
        if (t == typeof(string))
        {
            return true;
        }

        if (t.IsEnum)
        {
            return Enum.TryParse(t, value, ignoreCase: true, out var parsed) && Enum.IsDefined(t, parsed!);
        }

        if (t == typeof(TimeSpan))
        {
            return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _);
        }

        try
        {
            var converted = TypeDescriptor.GetConverter(t).ConvertFromInvariantString(value);
            return converted is not double d || double.IsFinite(d);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var list = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IList<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));
        return list?.GetGenericArguments()[0];
    }

    // Lists need two fixes. The binder appends configured items to a collection's default contents
    // ([4, 8] + [16] = [4, 8, 16]), and layered providers merge lists index by index (appsettings [4, 8] with
    // --X:0=16 gives [16, 8]). A list is taken whole from the highest-priority source that sets any of its items.
    private static void BindSection(IConfiguration config, IConfigurationSection section, object target)
    {
        try
        {
            section.Bind(target, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationErrorException($"--{section.Path}: {ex.Message}", ex);
        }

        foreach (var property in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var child = section.GetSection(property.Name);
            if (ElementType(property.PropertyType) is not { } element || !property.CanWrite || !child.GetChildren().Any())
            {
                continue;
            }

            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            foreach (var value in WinningListValues(config, child))
            {
                list.Add(Convert(value, element));
            }

            property.SetValue(target, list);
        }
    }

    private static List<string> WinningListValues(IConfiguration config, IConfigurationSection list)
    {
        if (config is IConfigurationRoot root)
        {
            foreach (var provider in root.Providers.Reverse())
            {
                var indices = provider.GetChildKeys([], list.Path).Distinct()
                    .Select(k => int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
                    .Where(i => i >= 0).Order().ToList();
                if (indices.Count > 0)
                {
                    return indices.Select(i => provider.TryGet($"{list.Path}:{i}", out var v) ? v : null)
                        .Where(v => v is not null).Select(v => v!).ToList();
                }
            }
        }

        return list.GetChildren().Select(c => c.Value).Where(v => v is not null).Select(v => v!).ToList();
    }

    private static object? Convert(string value, Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsEnum ? Enum.Parse(t, value, ignoreCase: true) : TypeDescriptor.GetConverter(t).ConvertFromInvariantString(value);
    }
}
