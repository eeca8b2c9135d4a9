using Threadline.Bench;
using Threadline.Bench.Baseline;

// "baseline" (with ASP.NET Core's --urls): the bare endpoint the ingest scenario compares against,
// started by the harness as a separate process. Anything else: the harness.
if (args.Contains("baseline"))
    return await BaselineServer.RunAsync(args.Where(a => a != "baseline").ToArray());

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
