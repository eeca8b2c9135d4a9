namespace Threadline.Tests; public class Smoke { [Xunit.Fact] public void Ok() {} }
