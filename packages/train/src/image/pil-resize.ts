// Pillow's bicubic resampling (Image.resize(..., Image.BICUBIC, reducing_gap=None)), reimplemented so
// images resized here equal the ones transformers' CLIPImageProcessor feeds a model: a separable filter
// (a = -0.5) whose support widens with the downscale factor, fixed-point weights (22 fractional bits),
// a horizontal pass into 8-bit rows, then a vertical pass. Facts from Pillow's libImaging/Resample.c.

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;

function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

interface Coefficients {
  ksize: number;
  /** Per output position: first input index and number of taps. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output position. */
  weights: Int32Array;
}

function precompute(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax ? (ww !== 0 ? (k[x] as number) / ww : (k[x] as number)) : 0;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / ONE);
}

/**
 * Resizes interleaved 8-bit pixels (`channels` per pixel, row-major) exactly as Pillow's
 * `Image.resize((outWidth, outHeight), Image.BICUBIC)` does.
 */
export function pilResizeBicubic(src: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Uint8Array {
  const needH = outWidth !== width;
  const needV = outHeight !== height;
  if (!needH && !needV) return src.slice(0, width * height * channels);
  const horiz = precompute(width, outWidth);
  const vert = precompute(height, outHeight);
  let image = src;
  let rows = height;
  let rowOffset = 0;
  if (needH) {
    // only the rows the vertical pass will read
    const first = vert.bounds[0] as number;
    const last = (vert.bounds[outHeight * 2 - 2] as number) + (vert.bounds[outHeight * 2 - 1] as number);
    rows = needV ? last - first : height;
    rowOffset = needV ? first : 0;
    const out = new Uint8Array(outWidth * rows * channels);
    for (let y = 0; y < rows; y++) {
      const inRow = (y + rowOffset) * width * channels;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = horiz.bounds[xx * 2] as number;
        const xmax = horiz.bounds[xx * 2 + 1] as number;
        const kBase = xx * horiz.ksize;
        for (let c = 0; c < channels; c++) {
          let ss = ONE / 2;
          for (let x = 0; x < xmax; x++) ss += (src[inRow + (x + xmin) * channels + c] as number) * (horiz.weights[kBase + x] as number);
          out[(y * outWidth + xx) * channels + c] = clip8(ss);
        }
      }
    }
    image = out;
  }
  if (!needV) return image;
  const w = needH ? outWidth : width;
  const out = new Uint8Array(w * outHeight * channels);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = (vert.bounds[yy * 2] as number) - (needH ? rowOffset : 0);
    const ymax = vert.bounds[yy * 2 + 1] as number;
    const kBase = yy * vert.ksize;
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let ss = ONE / 2;
        for (let y = 0; y < ymax; y++) ss += (image[((y + ymin) * w + x) * channels + c] as number) * (vert.weights[kBase + y] as number);
        out[(yy * w + x) * channels + c] = clip8(ss);
      }
    }
  }
  return out;
}

/**
 * The output size of CLIPImageProcessor's `{shortest_edge: size}` resize (transformers
 * `get_resize_output_image_size`, default_to_square=False): the short side becomes `size`, the long side
 * `int(size * long / short)`.
 */
export function shortestEdgeSize(width: number, height: number, size: number): { width: number; height: number } {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? { width: size, height: newLong } : { width: newLong, height: size };
}
