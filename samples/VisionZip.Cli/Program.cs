using VisionZip.Cli;
using VisionZip.Runtime;

TorchRuntime.EnsureLoaded();
return CliApp.Run(args, Console.Out, Console.Error, Console.In);
