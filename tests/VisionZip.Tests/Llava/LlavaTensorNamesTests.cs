using VisionZip.Models.IO;
using VisionZip.Models.Llava;
using VisionZip.Tests.Support;

namespace VisionZip.Tests.Llava;

public class LlavaTensorNamesTests
{
    [Fact]
    public void Sharded_llava15_uses_the_original_spelling_with_an_lm_head()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llava-1.5-tiny-hf"));

        var names = LlavaTensorNames.Detect(checkpoint.Names, checkpoint.Source);

        Assert.Equal("vision_tower.", names.VisionTower);
        Assert.Equal("multi_modal_projector.", names.Projector);
        Assert.Equal("language_model.model.", names.LanguageModel);
        Assert.Equal("language_model.model.embed_tokens.weight", names.EmbedTokens);
        Assert.Equal("language_model.lm_head.weight", names.LmHead);
        Assert.Null(names.ImageNewline);
    }

    [Fact]
    public void Tied_interleave_has_no_lm_head()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llava-interleave-qwen-tiny-hf"));

        var names = LlavaTensorNames.Detect(checkpoint.Names, checkpoint.Source);

        Assert.Equal("language_model.model.", names.LanguageModel);
        Assert.Null(names.LmHead);
    }

    [Fact]
    public void Llava_next_finds_image_newline()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("llava-next-tiny-patch14-112-hf"));

        Assert.Equal("image_newline", LlavaTensorNames.Detect(checkpoint.Names, checkpoint.Source).ImageNewline);
    }

    [Fact]
    public void Newer_transformers_spelling_is_recognised()
    {
        string[] names =
        [
            "model.vision_tower.vision_model.embeddings.patch_embedding.weight",
            "model.multi_modal_projector.linear_1.weight",
            "model.language_model.embed_tokens.weight",
            "model.language_model.layers.0.input_layernorm.weight",
            "model.image_newline",
            "lm_head.weight",
        ];

        var detected = LlavaTensorNames.Detect(names, "x");

        Assert.Equal(LlavaTensorNames.Nested, detected);
        Assert.Equal("model.language_model.embed_tokens.weight", detected.EmbedTokens);
    }

    [Fact]
    public void Non_llava_checkpoint_is_rejected_naming_the_source()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            LlavaTensorNames.Detect(["model.layers.0.mlp.up_proj.weight", "lm_head.weight"], "some/dir"));

        Assert.Contains("some/dir", error.Message);
        Assert.Contains("language_model", error.Message);
    }

    [Fact]
    public void Missing_projector_is_rejected_naming_the_prefix()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            LlavaTensorNames.Detect(["language_model.model.embed_tokens.weight", "vision_tower.vision_model.x"], "some/dir"));

        Assert.Contains("multi_modal_projector.", error.Message);
    }
}
