/**
 * Public classification datasets that Debian packages ship, read from the
 * files those packages install, as plain tables the detection benchmark can
 * write with known label noise (noisyTable.ts). Each set names the Debian
 * packages it needs; debianPackages.ts installs them (as root, in the
 * benchmark only) or the benchmark skips the set with a note.
 *
 * - wine, breast cancer, digits: scikit-learn's bundled copies of the UCI
 *   sets (python3-sklearn); digits are 8×8 images written as 64 pixel columns.
 * - cars (origin from the car's specs) and Seattle weather (the day's weather
 *   from its measurements): vega's example data (python3-vega-datasets).
 * - fortunes: the category of a fortune-cookie text (fortunes): free text,
 *   featurized by the engine's TF-IDF.
 * - Fashion-MNIST: 28×28 clothing images (dataset-fashion-mnist), a
 *   stratified 3,000 of its test images, written as 784 pixel columns.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

export interface TableRow {
  cells: string[];
  label: string;
  /** Numbers describing the row, for choosing each class's most confusable class (noisyTable.ts). */
  vector: number[];
}

export interface LabeledTable {
  header: string[];
  rows: TableRow[];
}

export interface PublicSet {
  id: string;
  title: string;
  kind: 'tabular' | 'text' | 'image';
  /** Debian packages whose files it reads. */
  packages: string[];
  /** The files it reads (present once the packages are installed). */
  files: string[];
  load(): LabeledTable;
}

const SK = '/usr/lib/python3/dist-packages/sklearn/datasets/data';
const VEGA = '/usr/lib/python3/dist-packages/vega_datasets/_data';
const FORTUNES = '/usr/share/games/fortunes';
const FASHION = '/usr/share/datasets/fashion-mnist';

const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));

/** scikit-learn's CSV layout: a first line `n,d,class names…`, then d features and a class index per line. */
function sklearnCsv(file: string, header: string[]): LabeledTable {
  const lines = readText(file).trim().split('\n');
  const names = lines[0].split(',').slice(2);
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    const features = cells.slice(0, -1);
    return { cells: features, label: names[Number(cells[cells.length - 1])], vector: features.map(num) };
  });
  return { header, rows };
}

function readText(file: string): string {
  const buf = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8');
}

const WINE = [
  'alcohol',
  'malic_acid',
  'ash',
  'alcalinity_of_ash',
  'magnesium',
  'total_phenols',
  'flavanoids',
  'nonflavanoid_phenols',
  'proanthocyanins',
  'color_intensity',
  'hue',
  'od280_od315',
  'proline',
];
const CANCER_FEATURES = [
  'radius',
  'texture',
  'perimeter',
  'area',
  'smoothness',
  'compactness',
  'concavity',
  'concave_points',
  'symmetry',
  'fractal_dimension',
];
const CANCER = ['mean', 'se', 'worst'].flatMap((stat) => CANCER_FEATURES.map((f) => `${stat}_${f}`));

/** Five fortune categories with distinct subjects and a few hundred texts each. */
const FORTUNE_CATEGORIES = ['computers', 'food', 'law', 'medicine', 'sports'];

export const PUBLIC_SETS: PublicSet[] = [
  {
    id: 'wine',
    title: 'Wine (UCI)',
    kind: 'tabular',
    packages: ['python3-sklearn'],
    files: [`${SK}/wine_data.csv`],
    load: () => sklearnCsv(`${SK}/wine_data.csv`, WINE),
  },
  {
    id: 'cancer',
    title: 'Breast cancer Wisconsin (UCI)',
    kind: 'tabular',
    packages: ['python3-sklearn'],
    files: [`${SK}/breast_cancer.csv`],
    load: () => sklearnCsv(`${SK}/breast_cancer.csv`, CANCER),
  },
  {
    id: 'digits',
    title: 'Digits 8×8 (UCI)',
    kind: 'image',
    packages: ['python3-sklearn'],
    files: [`${SK}/digits.csv.gz`],
    load: () => {
      const rows = readText(`${SK}/digits.csv.gz`)
        .trim()
        .split('\n')
        .map((line) => {
          const cells = line.split(',');
          const pixels = cells.slice(0, 64);
          return { cells: pixels, label: `digit ${cells[64]}`, vector: pixels.map(num) };
        });
      return { header: Array.from({ length: 64 }, (_, i) => `px${i}`), rows };
    },
  },
  {
    id: 'cars',
    title: 'Cars: origin (vega)',
    kind: 'tabular',
    packages: ['python3-vega-datasets'],
    files: [`${VEGA}/cars.json`],
    load: () => {
      const cars = JSON.parse(readText(`${VEGA}/cars.json`)) as Record<string, string | number | null>[];
      const fields = ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'];
      const rows = cars.map((car) => {
        const cells = [...fields.map((f) => (car[f] === null ? '' : String(car[f]))), String(car.Year).slice(0, 4)];
        return { cells, label: String(car.Origin), vector: cells.map(num) };
      });
      return { header: [...fields.map((f) => f.toLowerCase()), 'year'], rows };
    },
  },
  {
    id: 'weather',
    title: 'Seattle weather (vega)',
    kind: 'tabular',
    packages: ['python3-vega-datasets'],
    files: [`${VEGA}/seattle-weather.csv`],
    load: () => {
      const lines = readText(`${VEGA}/seattle-weather.csv`).trim().split('\n').slice(1);
      const rows = lines.map((line) => {
        const [date, ...rest] = line.split(',');
        const label = rest.pop()!;
        const cells = [...rest, String(Number(date.split('/')[1]))];
        return { cells, label, vector: cells.map(num) };
      });
      return { header: ['precipitation', 'temp_max', 'temp_min', 'wind', 'month'], rows };
    },
  },
  {
    id: 'fortunes',
    title: 'Fortunes: category (text)',
    kind: 'text',
    packages: ['fortunes'],
    files: FORTUNE_CATEGORIES.map((c) => `${FORTUNES}/${c}`),
    load: () => {
      const rows: TableRow[] = [];
      for (const category of FORTUNE_CATEGORIES) {
        for (const raw of readText(`${FORTUNES}/${category}`).split(/\n%\n/)) {
          const text = raw.replace(/\s+/g, ' ').trim().slice(0, 400);
          if (text.length < 20) continue;
          rows.push({ cells: [text], label: category, vector: letterFrequencies(text) });
        }
      }
      return { header: ['text'], rows };
    },
  },
  {
    id: 'fashion',
    title: 'Fashion-MNIST 3k',
    kind: 'image',
    packages: ['dataset-fashion-mnist'],
    files: [`${FASHION}/t10k-images-idx3-ubyte.gz`, `${FASHION}/t10k-labels-idx1-ubyte.gz`],
    load: () => {
      const images = zlib.gunzipSync(fs.readFileSync(`${FASHION}/t10k-images-idx3-ubyte.gz`));
      const labels = zlib.gunzipSync(fs.readFileSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`));
      const names = [
        't-shirt',
        'trouser',
        'pullover',
        'dress',
        'coat',
        'sandal',
        'shirt',
        'sneaker',
        'bag',
        'ankle boot',
      ];
      const perClass = new Array<number>(10).fill(0);
      const rows: TableRow[] = [];
      // The first 300 of each class in file order: deterministic and stratified.
      for (let i = 0; i < labels.length - 8 && rows.length < 3000; i++) {
        const c = labels[8 + i];
        if (perClass[c] >= 300) continue;
        perClass[c]++;
        const px = Array.from(images.subarray(16 + i * 784, 16 + (i + 1) * 784));
        rows.push({ cells: px.map(String), label: names[c], vector: px });
      }
      return { header: Array.from({ length: 784 }, (_, i) => `px${i}`), rows };
    },
  },
];

function letterFrequencies(text: string): number[] {
  const counts = new Array<number>(26).fill(0);
  const lower = text.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const k = lower.charCodeAt(i) - 97;
    if (k >= 0 && k < 26) counts[k]++;
  }
  const total = counts.reduce((s, v) => s + v, 0) || 1;
  return counts.map((v) => v / total);
}

export function setAvailable(set: PublicSet): boolean {
  return set.files.every((f) => fs.existsSync(f));
}
