using Microsoft.Data.Sqlite;
using Threadline.Retrieval;
using Xunit;

namespace Threadline.Tests.Retrieval;

public sealed class KeywordQueryTests
{
    [Fact]
    public void Words_are_quoted_and_ored_without_stop_words()
    {
        Assert.Equal("\"reset\" OR \"password\"", KeywordQuery.ToFts5("How do I reset my password?"));
        Assert.Equal("reset | password", KeywordQuery.ToPostgresTsQuery("How do I reset my PASSWORD, password?"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("what is the")]
    [InlineData("?! ** () \"")]
    public void Nothing_left_is_null(string query)
    {
        Assert.Null(KeywordQuery.ToFts5(query));
        Assert.Null(KeywordQuery.ToPostgresTsQuery(query));
    }

    [Theory]
    [InlineData("\"unbalanced")]
    [InlineData("a OR NOT NEAR(b c) AND text:* ^col -x")]
    [InlineData("it's {x} & y | !z <-> 'q':* (e")]
    [InlineData("naïve café 東京 über")]
    public void Query_syntax_in_the_text_is_only_words(string query)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = """
            CREATE TABLE chunks (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
            CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id', tokenize='porter unicode61');
            INSERT INTO chunks (id, text) VALUES (1, 'a near b and text column x naïve café');
            INSERT INTO chunks_fts (rowid, text) SELECT id, text FROM chunks;
            """;
        create.ExecuteNonQuery();

        var match = KeywordQuery.ToFts5(query);
        Assert.NotNull(match);
        Assert.DoesNotMatch(@"[&|!<>:*()'{}^\-]", KeywordQuery.ToPostgresTsQuery(query)!.Replace(" | ", " "));
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH $q ORDER BY bm25(chunks_fts)";
        select.Parameters.AddWithValue("$q", match);
        using var reader = select.ExecuteReader();
        while (reader.Read()) { }
    }

    [Fact]
    public void Terms_are_bounded() =>
        Assert.Equal(KeywordQuery.MaxTerms, KeywordQuery.Terms(string.Join(' ', Enumerable.Range(0, 100).Select(i => $"word{i}"))).Count);
}
