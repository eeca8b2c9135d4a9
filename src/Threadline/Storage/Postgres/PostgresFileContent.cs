using Npgsql;
using NpgsqlTypes;
using Threadline.Files;

namespace Threadline.Storage.Postgres;

/// <summary>
/// Each file's bytes in the database, in <c>file_contents</c>, in parts of <see cref="PartSize"/>: written
/// in one transaction, so a file is there whole or not at all (an upload past the limit, or cut off,
/// keeps nothing); read back part by part, so a large file is never in memory at once. A file with no
/// bytes has one empty part, so that it reads as empty rather than as missing.
/// </summary>
internal sealed class PostgresFileContent(PostgresDatabase database) : IFileContent
{
    public const int PartSize = 1 << 20;

    public async Task<long> WriteAsync(string fileId, Stream body, long maxBytes, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var replace = new NpgsqlCommand("DELETE FROM file_contents WHERE file_id = $1", connection, tx))
        {
            replace.Parameters.Add(new NpgsqlParameter { Value = fileId });
            await replace.ExecuteNonQueryAsync(ct);
        }
        long total;
        await using (var parts = new PartWriter(connection, tx, fileId))
        {
            total = await FileBody.CopyAsync(body, parts, maxBytes, ct);
            await parts.FlushAsync(ct);
            if (parts.Written == 0)
                await parts.InsertAsync(ReadOnlyMemory<byte>.Empty, ct);
        }
        await tx.CommitAsync(ct);
        return total;
    }

    public async Task<Stream?> OpenReadAsync(string fileId, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("SELECT max(part), sum(octet_length(data)) FROM file_contents WHERE file_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = fileId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || reader.IsDBNull(0))
            return null;
        return new PartReader(database.DataSource, fileId, reader.GetInt32(0), reader.GetInt64(1));
    }

    public async Task DeleteAsync(string fileId, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("DELETE FROM file_contents WHERE file_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = fileId });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Takes what is written, and inserts it a full part at a time (the rest at <see cref="FlushAsync(CancellationToken)"/>).</summary>
    private sealed class PartWriter(NpgsqlConnection connection, NpgsqlTransaction tx, string fileId) : Stream
    {
        private readonly byte[] _buffer = new byte[PartSize];
        private int _filled;
        private int _part;

        /// <summary>The parts inserted so far.</summary>
        public int Written => _part;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
        {
            while (data.Length > 0)
            {
                var take = Math.Min(data.Length, PartSize - _filled);
                data[..take].CopyTo(_buffer.AsMemory(_filled));
                _filled += take;
                data = data[take..];
                if (_filled == PartSize)
                    await FlushAsync(ct);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async Task FlushAsync(CancellationToken ct)
        {
            if (_filled == 0)
                return;
            await InsertAsync(_buffer.AsMemory(0, _filled), ct);
            _filled = 0;
        }

        public async Task InsertAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO file_contents (file_id, part, data) VALUES ($1, $2, $3)", connection, tx);
            insert.Parameters.Add(new NpgsqlParameter { Value = fileId });
            insert.Parameters.Add(new NpgsqlParameter { Value = _part });
            insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = data });
            await insert.ExecuteNonQueryAsync(ct);
            _part++;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new NotSupportedException("Written asynchronously only.");
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Written asynchronously only.");
    }

    /// <summary>The parts read one at a time, each on a pooled connection of its own while it is fetched.</summary>
    private sealed class PartReader(NpgsqlDataSource data, string fileId, int lastPart, long length) : Stream
    {
        private byte[] _current = [];
        private int _offset;
        private int _next;
        private long _position;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            while (_offset == _current.Length)
            {
                if (_next > lastPart || buffer.Length == 0)
                    return 0;
                _current = await FetchAsync(_next, ct);
                _offset = 0;
                _next++;
            }
            var n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        private async Task<byte[]> FetchAsync(int part, CancellationToken ct)
        {
            await using var connection = await data.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand("SELECT data FROM file_contents WHERE file_id = $1 AND part = $2", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = fileId });
            command.Parameters.Add(new NpgsqlParameter { Value = part });
            return await command.ExecuteScalarAsync(ct) as byte[]
                ?? throw new IOException($"Part {part} of the bytes of {fileId} is gone (the file was deleted while it was read).");
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush()
        {
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
