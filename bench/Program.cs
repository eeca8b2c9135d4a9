using Threadline.Bench;
using Threadline.Bench.Baseline;

// "baseline" and "durable-baseline" (with ASP.NET Core's --urls): the endpoints the ingest scenario
// compares against, started by the harness as separate processes. Anything else: the harness.
if (args.Contains(BareEndpoint.Mode))
    return await BareEndpoint.RunAsync(args.Where(a => a != BareEndpoint.Mode).ToArray());
if (args.Contains(DurableEndpoint.Mode))
    return await DurableEndpoint.RunAsync(args.Where(a => a != DurableEndpoint.Mode).ToArray());

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(new BenchOptions().Usage);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(options.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await new BenchRunner(options, args).RunAsync(cancel.Token);
