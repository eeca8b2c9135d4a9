using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Threadline.Tests.Infrastructure;

/// <summary>One entry the server logged.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}[{EventId}] {Message}{(Exception is null ? "" : " | " + Exception.GetType().Name + ": " + Exception.Message)}";
}

/// <summary>Every entry the server's loggers write (Information and above, the default), for tests that a fault was observed.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly List<LogEntry> _entries = [];
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Seen)> _waiters = [];

    public static CapturedLogs Use(IServiceCollection services)
    {
        var logs = new CapturedLogs();
        services.AddSingleton<ILoggerProvider>(logs);
        return logs;
    }

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
                return [.. _entries];
        }
    }

    /// <summary>The first entry (logged before or after the call) that matches, waiting at most 15 s of real time for it.</summary>
    public async Task<LogEntry> WhenLoggedAsync(Func<LogEntry, bool> match, string what)
    {
        var seen = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_entries)
        {
            if (_entries.FirstOrDefault(match) is { } already)
                return already;
            _waiters.Add((match, seen));
        }
        try
        {
            return await seen.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"nothing logged {what} within 15 s; logged:\n  {string.Join("\n  ", Entries)}");
        }
    }

    private void Add(LogEntry entry)
    {
        List<TaskCompletionSource<LogEntry>> seen;
        lock (_entries)
        {
            _entries.Add(entry);
            seen = _waiters.Where(w => w.Match(entry)).Select(w => w.Seen).ToList();
            _waiters.RemoveAll(w => seen.Contains(w.Seen));
        }
        foreach (var s in seen)
            s.TrySetResult(entry);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Add(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
