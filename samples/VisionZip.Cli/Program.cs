using System.CommandLine;
using VisionZip.Runtime;

TorchRuntime.EnsureLoaded();

var root = new RootCommand("visionzip: fewer visual tokens, faster vision-language models (VisionZip, CVPR 2025) on TorchSharp.");
return root.Parse(args).Invoke();
