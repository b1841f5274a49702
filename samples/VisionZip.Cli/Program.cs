using VisionZip.Cli;

// No eager TorchRuntime.EnsureLoaded(): CliApp loads the native library only for commands that need tensors, so
// --help and --version work even where it cannot load (e.g. a read-only HOME on an old libstdc++).
return CliApp.Run(args, Console.Out, Console.Error, Console.In);
