using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Threadline.FakeUpstream;

/// <summary>
/// Standalone: <c>dotnet run --project tests/Threadline.FakeUpstream -- --urls http://127.0.0.1:9000
/// [--latency-ms N] [--token-count N] [--token-interval-ms N] [--embedding-dimensions N]</c>. Every chat completion gets that default
/// behaviour (without <c>--token-count</c>, the last user message is echoed). Runs until Ctrl+C or SIGTERM.
/// </summary>
internal static class Program
{
    private const string DefaultUrl = "http://127.0.0.1:9000";

    private const string Usage = """
        Threadline fake OpenAI-compatible upstream (POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models).

        Usage: Threadline.FakeUpstream [--urls http://127.0.0.1:9000] [--latency-ms N] [--token-count N] [--token-interval-ms N]
                                       [--embedding-dimensions N]

          --urls URL               where to listen (default http://127.0.0.1:9000)
          --latency-ms N           milliseconds before the first token (default 0)
          --token-count N          answer N tokens "tok0 tok1 ..." (default: echo the last user message)
          --token-interval-ms N    milliseconds between two tokens (default 0)
          --embedding-dimensions N length of the embeddings of a request without "dimensions" (default 8)

        Options take "--name value" or "--name=value".
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var state = new FakeUpstreamState(FakeBehavior.Echo);
        WebApplication app;
        try
        {
            app = FakeUpstreamApp.Build(args, state, console: true);
            state.Default = new FakeBehavior
            {
                LatencyMs = ReadInt(app.Configuration, "latency-ms") ?? 0,
                TokenCount = ReadInt(app.Configuration, "token-count"),
                TokenIntervalMs = ReadInt(app.Configuration, "token-interval-ms") ?? 0,
            };
            state.EmbeddingDimensions = ReadInt(app.Configuration, "embedding-dimensions") is int dimensions && dimensions > 0
                ? dimensions
                : EmbeddingsWire.DefaultDimensions;
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + Environment.NewLine + Usage);
            return 2;
        }

        await using (app)
        {
            if (string.IsNullOrEmpty(app.Configuration["urls"]))
            {
                app.Urls.Add(DefaultUrl);
            }

            await app.StartAsync();
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            var d = state.Default;
            var answer = d.TokenCount is int n ? $"{n} tokens" : "echo of the last user message";
            foreach (var address in addresses)
            {
                Console.WriteLine($"Fake upstream: {address.TrimEnd('/')}/v1/ ({answer}, latency {d.LatencyMs} ms, interval {d.TokenIntervalMs} ms)");
            }

            await app.WaitForShutdownAsync();
        }

        return 0;
    }

    private static int? ReadInt(IConfiguration configuration, string key)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new FormatException($"--{key} needs a whole number of 0 or more, not '{text}'.");
    }
}
