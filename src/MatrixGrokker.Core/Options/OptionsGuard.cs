using Microsoft.Extensions.Options;

namespace MatrixGrokker.Options;

/// <summary>Validates options outside dependency injection, with the same rules as the DI validator.</summary>
public static class OptionsGuard
{
    /// <summary>Throws <see cref="OptionsValidationException"/> naming every invalid field.</summary>
    /// <param name="options">Options to check.</param>
    public static void ThrowIfInvalid(MatrixGrokkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new MatrixGrokkerOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(MatrixGrokkerOptions), result.Failures);
        }
    }
}
