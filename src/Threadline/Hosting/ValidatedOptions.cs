using Microsoft.Extensions.Options;

namespace Threadline.Hosting;

/// <summary>
/// Options bound from their configuration section and checked when the host starts
/// (<c>ValidateOnStart</c>): a bad value stops the server at once with a message that names it,
/// instead of failing later (a delivery bound of 0 that hangs every webhook).
/// </summary>
internal static class ValidatedOptions
{
    public static T AddValidated<T>(this IServiceCollection services, IConfiguration configuration, string section, Func<T, string?> problem)
        where T : class, new()
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new Check<T>(problem));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        // Read now too, for what start-up needs before the host runs; the host checks it again.
        var value = configuration.GetSection(section).Get<T>() ?? new T();
        if (problem(value) is { } message)
            throw new OptionsValidationException(section, typeof(T), [message]);
        return value;
    }

    private sealed class Check<T>(Func<T, string?> problem) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            problem(options) is { } message ? ValidateOptionsResult.Fail(message) : ValidateOptionsResult.Success;
    }
}
