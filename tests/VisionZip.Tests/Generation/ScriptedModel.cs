using VisionZip.Models.Language;
using static TorchSharp.torch;

namespace VisionZip.Tests.Generation;

/// <summary>
/// A stand-in decoder whose next-token logits come from a script of (row, position of the predicted token);
/// it records what was fed and advances a one-layer cache so positions and limits behave as with a real model.
/// </summary>
internal sealed class ScriptedModel(int vocabSize, Func<int, int, float[]> script, int contextLength = 1000) : ICausalLanguageModel
{
    public int ContextLength => contextLength;

    public int VocabSize => vocabSize;

    public List<long[]> Fed { get; } = [];

    public KvCache CreateCache(int initialCapacity = 0) => new(1, initialCapacity);

    public Tensor Forward(Tensor inputIds, KvCache? cache = null, LogitsSelection logits = LogitsSelection.LastPosition)
    {
        Fed.Add(inputIds.data<long>().ToArray());
        return Run(inputIds.shape[0], inputIds.shape[1], cache);
    }

    public Tensor ForwardEmbeddings(Tensor inputsEmbeds, KvCache? cache = null, LogitsSelection logits = LogitsSelection.LastPosition) =>
        Run(inputsEmbeds.shape[0], inputsEmbeds.shape[1], cache);

    private Tensor Run(long batch, long length, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        int position = (cache?.Length ?? 0) + (int)length; // position of the token these logits predict
        cache?.Append(0, zeros(batch, 1, length, 1), zeros(batch, 1, length, 1));
        var rows = Enumerable.Range(0, (int)batch).SelectMany(row => script(row, position)).ToArray();
        return tensor(rows, [batch, vocabSize]).MoveToOuterDisposeScope();
    }

    /// <summary>Logits favouring one token by a margin.</summary>
    public static float[] Favour(int vocabSize, int token)
    {
        var row = new float[vocabSize];
        row[token] = 5f;
        return row;
    }
}
