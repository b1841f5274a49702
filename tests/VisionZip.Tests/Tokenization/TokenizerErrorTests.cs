using VisionZip.Models.Tokenization;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Tokenization;

/// <summary>Missing and corrupt tokenizer files give exceptions that name the file.</summary>
public sealed class TokenizerErrorTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("visionzip-tokenizer-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("this is not a sentencepiece model")]
    [InlineData("")]
    public void A_corrupt_tokenizer_model_is_reported_with_its_path(string content)
    {
        File.WriteAllText(FilePath("tokenizer.model"), content);

        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(_directory.FullName));

        Assert.Contains(FilePath("tokenizer.model"), error.Message);
    }

    [Fact]
    public void A_truncated_tokenizer_model_is_reported_with_its_path()
    {
        var bytes = File.ReadAllBytes(Fixtures.Path("llava-1.5-tiny-hf", "tokenizer.model"));
        File.WriteAllBytes(FilePath("tokenizer.model"), bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(_directory.FullName));

        Assert.Contains(FilePath("tokenizer.model"), error.Message);
    }

    [Fact]
    public void A_corrupt_tokenizer_config_is_reported_with_its_path()
    {
        File.Copy(Fixtures.Path("llava-1.5-tiny-hf", "tokenizer.model"), FilePath("tokenizer.model"));
        File.WriteAllText(FilePath("tokenizer_config.json"), "{ \"add_bos_token\": ");

        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(_directory.FullName));

        Assert.Contains(FilePath("tokenizer_config.json"), error.Message);
    }

    [Theory]
    [InlineData("{\"a\": 0,")]
    [InlineData("[1, 2]")]
    [InlineData("{\"a\": \"zero\"}")]
    [InlineData("{\"a\": 0}")] // valid JSON, but not a byte-level vocabulary
    public void A_corrupt_vocab_json_is_reported_with_its_path(string content)
    {
        File.WriteAllText(FilePath("vocab.json"), content);
        File.Copy(Fixtures.Path("llava-interleave-qwen-tiny-hf", "merges.txt"), FilePath("merges.txt"));

        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(_directory.FullName));

        Assert.Contains(FilePath("vocab.json"), error.Message);
    }

    [Fact]
    public void A_malformed_merges_line_is_reported_with_its_path_and_line()
    {
        File.Copy(Fixtures.Path("llava-interleave-qwen-tiny-hf", "vocab.json"), FilePath("vocab.json"));
        File.WriteAllText(FilePath("merges.txt"), "#version: 0.2\nh e\nnot-a-pair\n");

        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(_directory.FullName));

        Assert.Contains(FilePath("merges.txt"), error.Message);
        Assert.Contains("line 3", error.Message);
    }

    [Fact]
    public void A_missing_merges_txt_is_named()
    {
        File.Copy(Fixtures.Path("llava-interleave-qwen-tiny-hf", "vocab.json"), FilePath("vocab.json"));

        var error = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(_directory.FullName));

        Assert.Equal(FilePath("merges.txt"), error.FileName);
    }

    [Fact]
    public void A_directory_without_tokenizer_files_names_the_expected_files()
    {
        var error = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(_directory.FullName));

        Assert.Contains("tokenizer.model", error.Message);
        Assert.Contains("vocab.json", error.Message);
    }

    [Fact]
    public void A_missing_directory_is_named()
    {
        string missing = Path.Combine(_directory.FullName, "nope");

        var error = Assert.Throws<DirectoryNotFoundException>(() => TokenizerLoader.Load(missing));

        Assert.Contains(missing, error.Message);
    }

    private string FilePath(string name) => Path.Combine(_directory.FullName, name);
}
