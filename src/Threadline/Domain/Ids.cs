using System.Security.Cryptography;

namespace Threadline.Domain;

/// <summary>Object ids with the hosted prefixes (<c>asst_</c>, <c>thread_</c>, <c>msg_</c>, <c>run_</c>, <c>step_</c>, <c>call_</c>).</summary>
internal static class Ids
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string New(string prefix) =>
        prefix + "_" + new string(RandomNumberGenerator.GetItems<char>(Alphabet, 24));

    public static string Assistant() => New("asst");
    public static string Thread() => New("thread");
    public static string Message() => New("msg");
    public static string Run() => New("run");
    public static string Step() => New("step");
    public static string Call() => New("call");
}
