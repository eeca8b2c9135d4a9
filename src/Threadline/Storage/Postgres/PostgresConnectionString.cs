using Npgsql;

namespace Threadline.Storage.Postgres;

/// <summary>
/// The connection string: <c>ConnectionStrings:Threadline</c> (Npgsql's form), else
/// <c>THREADLINE_DATABASE_URL</c> (<c>postgres://user:pass@host:port/db?sslmode=require</c>), with the
/// settings every node needs added when the operator did not set them.
/// </summary>
internal static class PostgresConnectionString
{
    public static string? Read(IConfiguration configuration)
    {
        var given = configuration.GetConnectionString("Threadline");
        if (string.IsNullOrWhiteSpace(given) && configuration["THREADLINE_DATABASE_URL"] is { Length: > 0 } url)
            given = FromUrl(url);
        if (string.IsNullOrWhiteSpace(given))
            return null;
        var builder = new NpgsqlConnectionStringBuilder(given);
        // Statements are prepared on the server after their second use on a connection: most of what a
        // write costs on the client, as with SQLite's prepared statements.
        if (builder.MaxAutoPrepare == 0)
            builder.MaxAutoPrepare = 128;
        // Bounded waits, so that an outage answers 503 instead of hanging a request: a connection within 5 s,
        // every store call (its statements, their commit) within 5 s too (PostgresStore bounds the whole call
        // by the command timeout); Threadline's statements take milliseconds, one slower is a database in trouble.
        if (!Has(given, "Timeout"))
            builder.Timeout = 5;
        if (!Has(given, "Command Timeout"))
            builder.CommandTimeout = 5;
        if (!Has(given, "Keepalive"))
            builder.KeepAlive = 10;
        // Nothing of a session's state is set on a pooled connection (LISTEN has a connection of its own),
        // so the reset Npgsql runs when a connection goes back to the pool is work for nothing on every write.
        if (!Has(given, "No Reset On Close"))
            builder.NoResetOnClose = true;
        builder.ApplicationName ??= "threadline";
        return builder.ConnectionString;
    }

    /// <summary><c>postgres://user:pass@host:port/db?sslmode=require</c> as an Npgsql connection string.</summary>
    public static string FromUrl(string url)
    {
        var uri = new Uri(url);
        if (uri.Scheme is not ("postgres" or "postgresql"))
            throw new InvalidOperationException($"THREADLINE_DATABASE_URL must be a postgres:// URL, not '{uri.Scheme}://...'.");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Split(':', 2) is [var user, ..] && user.Length > 0)
            builder.Username = Uri.UnescapeDataString(user);
        if (uri.UserInfo.Split(':', 2) is [_, var password])
            builder.Password = Uri.UnescapeDataString(password);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, Uri.UnescapeDataString(v)) : (pair, "");
            if (key.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
                builder.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true);
        }
        return builder.ConnectionString;
    }

    /// <summary>Whether the operator gave <paramref name="key"/> (a plain builder holds only the keys given).</summary>
    private static bool Has(string connectionString, string key) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey(key);
}
