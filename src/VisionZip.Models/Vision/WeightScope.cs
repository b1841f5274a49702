using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionZip.Models.Vision;

/// <summary>
/// A view of a <see cref="WeightStore"/> at one module path (e.g. <c>encoder.layers.3.self_attn.</c>), so that a
/// module asks for its own parameters by their local Hugging Face names and the full names follow from nesting.
/// </summary>
internal readonly struct WeightScope
{
    private readonly string _path;

    public WeightScope(WeightStore store, string path = "")
    {
        Store = store;
        _path = path;
    }

    public WeightStore Store { get; }

    /// <summary>The scope of a child module.</summary>
    public WeightScope this[string child] => new(Store, _path + child + ".");

    /// <summary>True when the store holds a weight of that local name.</summary>
    public bool Has(string name) => Store.Contains(_path + name);

    /// <summary>A required parameter.</summary>
    public Parameter Tensor(string name, long[] shape, WeightInit init = WeightInit.Normal) =>
        Store.Take(_path + name, shape, init, required: true)!;

    /// <summary>An optional parameter: null when the checkpoint lacks it.</summary>
    public Parameter? OptionalTensor(string name, long[] shape, WeightInit init = WeightInit.Normal) =>
        Store.Take(_path + name, shape, init, required: false);

    /// <summary>A <c>nn.Linear</c> named <paramref name="name"/> (<c>weight</c> [out, in], <c>bias</c> [out]).</summary>
    public Linear Linear(string name, long inFeatures, long outFeatures, bool bias = true)
    {
        var scope = this[name];
        var weight = scope.Tensor("weight", [outFeatures, inFeatures]);
        var biasParameter = bias ? scope.Tensor("bias", [outFeatures], WeightInit.Zeros) : null;
        return nn.Linear(weight, biasParameter);
    }
}
