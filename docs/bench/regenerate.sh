#!/usr/bin/env bash
# Regenerates docs/bench/*.json, *.md and *.png: `visionzip bench` on synthetic random-weight checkpoints of
# LLaVA-1.5-7B (all 32 LLM layers) and LLaVA-NeXT-7B (LLM_LAYERS_NEXT layers, default 32). Needs 16 GB (1.5) to 20 GB (NeXT) of
# memory and 15 GB of disk per geometry for the cached checkpoints (~/.cache/visionzip/synthetic), and about
# 10 minutes for 1.5 and 30 for NeXT on 2 cores. Run it on a quiet machine: every configuration alternates in
# each round, and the machine's limits (matmul probe, bandwidth) are measured in every round as one more unit of the
# rotation, each run's fractions taken against its own round's limits.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/bench
dotnet build samples/VisionZip.Cli -c Release -nologo -v quiet
cli="dotnet samples/VisionZip.Cli/bin/Release/net10.0/VisionZip.Cli.dll"
export OMP_WAIT_POLICY=PASSIVE
$cli bench --synthetic llava-1.5-7b --runs "${RUNS:-3}" --warmup 1 --decode-tokens 16 \
  --json-out "$out/llava-1.5-7b.json" --plot "$out/llava-1.5-7b.png" | tee "$out/llava-1.5-7b.md"
$cli bench --synthetic llava-next-7b --llm-layers "${LLM_LAYERS_NEXT:-32}" --runs "${RUNS:-3}" --warmup 1 --decode-tokens 16 \
  --json-out "$out/llava-next-7b.json" --plot "$out/llava-next-7b.png" | tee "$out/llava-next-7b.md"
