using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Threadline.Retrieval;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using Xunit;

namespace Threadline.Tests.Retrieval;

public sealed class TextExtractorTests
{
    [Fact]
    public void Markdown_is_read_as_utf8_without_its_byte_order_mark()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("# Café\nnotes")).ToArray();

        var extracted = TextExtractor.Extract("notes.md", bytes);

        Assert.True(extracted.Ok);
        Assert.Equal("# Café\nnotes", extracted.Text);
    }

    [Fact]
    public void Json_is_read_as_its_text()
    {
        var extracted = TextExtractor.Extract("data.JSON", Encoding.UTF8.GetBytes("{\"a\": [1, 2]}"));

        Assert.Equal("{\"a\": [1, 2]}", extracted.Text);
    }

    [Fact]
    public void Invalid_utf8_is_an_invalid_file()
    {
        var extracted = TextExtractor.Extract("notes.txt", [0x68, 0x69, 0xC3, 0x28, 0xFF]);

        Assert.False(extracted.Ok);
        Assert.Equal("invalid_file", extracted.ErrorCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\t ")]
    public void A_file_with_no_text_is_an_invalid_file(string text)
    {
        var extracted = TextExtractor.Extract("empty.txt", Encoding.UTF8.GetBytes(text));

        Assert.Equal("invalid_file", extracted.ErrorCode);
        Assert.Equal("The file has no text.", extracted.ErrorMessage);
    }

    [Theory]
    [InlineData("sheet.csv")]
    [InlineData("old.doc")]
    [InlineData("photo.png")]
    [InlineData("Makefile")]
    public void Other_extensions_are_unsupported(string filename)
    {
        var extracted = TextExtractor.Extract(filename, Encoding.UTF8.GetBytes("a,b\n1,2"));

        Assert.False(TextExtractor.IsSupported(filename));
        Assert.Equal("unsupported_file", extracted.ErrorCode);
    }

    [Theory]
    [InlineData("a.c"), InlineData("a.cpp"), InlineData("a.cs"), InlineData("a.css"), InlineData("a.docx")]
    [InlineData("a.go"), InlineData("a.html"), InlineData("a.htm"), InlineData("a.java"), InlineData("a.js")]
    [InlineData("a.json"), InlineData("a.md"), InlineData("a.pdf"), InlineData("a.php"), InlineData("a.py")]
    [InlineData("a.rb"), InlineData("a.sh"), InlineData("a.tex"), InlineData("a.ts"), InlineData("a.TXT")]
    public void The_hosted_list_is_supported(string filename) => Assert.True(TextExtractor.IsSupported(filename));

    [Fact]
    public void Html_keeps_body_text_one_block_a_line_without_scripts_or_styles()
    {
        const string html = """
            <html><head><title>T</title><style>p { color: red }</style></head>
            <body><h1>Heading</h1><p>First   <b>bold</b> para.</p><script>var x = 1;</script>
            <ul><li>one</li><li>two</li></ul><div>last<br>line</div></body></html>
            """;

        var extracted = TextExtractor.Extract("page.html", Encoding.UTF8.GetBytes(html));

        Assert.Equal("Heading\nFirst bold para.\none\ntwo\nlast\nline", extracted.Text);
    }

    [Fact]
    public void Pdf_pages_come_in_order_a_blank_line_apart()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        builder.AddPage(595, 842).AddText("Hello from page one", 12, new PdfPoint(50, 700), font);
        builder.AddPage(595, 842).AddText("And page two", 12, new PdfPoint(50, 700), font);

        var extracted = TextExtractor.Extract("doc.pdf", builder.Build());

        Assert.Equal("Hello from page one\n\nAnd page two", extracted.Text);
    }

    [Fact]
    public void A_broken_pdf_is_an_invalid_file()
    {
        var extracted = TextExtractor.Extract("doc.pdf", Encoding.ASCII.GetBytes("%PDF-1.7\nthis is not really a pdf"));

        Assert.Equal("invalid_file", extracted.ErrorCode);
    }

    [Fact]
    public void Docx_paragraphs_are_lines()
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(
                new Paragraph(new Run(new Text("First paragraph."))),
                new Paragraph(new Run(new Text("Second ")), new Run(new Text("paragraph.") { Space = SpaceProcessingModeValues.Preserve }))));
        }

        var extracted = TextExtractor.Extract("letter.docx", stream.ToArray());

        Assert.Equal("First paragraph.\nSecond paragraph.", extracted.Text);
    }

    [Fact]
    public void A_broken_docx_is_an_invalid_file()
    {
        var extracted = TextExtractor.Extract("letter.docx", Encoding.ASCII.GetBytes("PK\x03\x04 not a zip"));

        Assert.Equal("invalid_file", extracted.ErrorCode);
    }
}
