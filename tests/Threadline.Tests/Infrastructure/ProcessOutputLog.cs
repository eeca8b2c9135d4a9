using System.Text;

namespace Threadline.Tests.Infrastructure;

/// <summary>
/// The lines a child process has written so far (stderr lines prefixed <c>[stderr] </c>),
/// and waiting for a line to appear: tests wait on output, never on sleeps.
/// </summary>
internal sealed class ProcessOutputLog(Action<string>? onLine = null)
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }

    public void Add(string line)
    {
        List<TaskCompletionSource<string>>? found = null;
        lock (_gate)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    (found ??= []).Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        found?.ForEach(tcs => tcs.TrySetResult(line));
        try
        {
            onLine?.Invoke(line);
        }
        catch (Exception)
        {
            // A sink that fails (a test output helper after its test ended) must not stop the reader.
        }
    }

    /// <summary>The first line, already written or still to come, that matches; throws <see cref="TimeoutException"/> with the log.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _lines.FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching output line within {timeout}.\n{this}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Found == found);
            }
        }
    }

    /// <summary>The last <paramref name="maxLines"/> lines, numbered, for failure messages.</summary>
    public string Format(int maxLines = 200)
    {
        var lines = Lines;
        var text = new StringBuilder($"--- server output ({lines.Count} lines) ---");
        for (var i = Math.Max(0, lines.Count - maxLines); i < lines.Count; i++)
        {
            text.Append('\n').Append(lines[i]);
        }

        return text.Append("\n--- end of server output ---").ToString();
    }

    public override string ToString() => Format();
}
