// WebAssembly SIMD source of the toolkit's element-wise wasm kernels (assembled by wat-assembler.ts and
// run over tfjs-backend-wasm's memory, see wasm-module-on-heap.ts): column sums (bias and norm
// gradients), LayerNorm / RMSNorm forward and backward, bias + GELU, SwiGLU's gate and RoPE forward and
// backward, attention's softmax backward, cross-entropy's row statistics and softmax, and one AdamW
// update. tfjs-backend-wasm 4.22 runs these as chains of scalar kernels (its Sqrt, for one, measured ~10
// ns per element); four lanes at a time they are bound by memory traffic.

// Scalar f32 tail of AdamW for element $i (byte offset), same arithmetic as the vector body.
const adamTail = `
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
      (local.set $ms (f32.add (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $i)))) (f32.mul (local.get $c1) (local.get $gs))))
      (local.set $vs (f32.add (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $i)))) (f32.mul (local.get $c2) (f32.mul (local.get $gs) (local.get $gs)))))
      (f32.store (i32.add (local.get $mo) (local.get $i)) (local.get $ms))
      (f32.store (i32.add (local.get $vo) (local.get $i)) (local.get $vs))
      (f32.store (i32.add (local.get $po) (local.get $i))
        (f32.sub (f32.mul (f32.load (i32.add (local.get $p) (local.get $i))) (local.get $decay))
          (f32.div (f32.mul (local.get $step) (local.get $ms)) (f32.add (f32.mul (f32.sqrt (local.get $vs)) (local.get $inv)) (local.get $eps)))))`;


// Vector exp and erf as WAT statements over v128 locals. exp: x clamped to [-80, 88.3] (2^n and small
// multiples of the result stay normal floats: denormals are ~100x slower on x64), n = round(x·log2 e), r = x − n·ln 2 (two-part ln 2), degree-6 Taylor polynomial of e^r
// on |r| ≤ 0.35 (relative error ~1.2e-7), times 2^n built in the exponent bits. erf: Abramowitz &
// Stegun 7.1.26 (absolute error ≤ 1.5e-7, the formula tfjs' cpu backend uses) on |x| ≤ 9 (erf(9) is 1 in
// float32), sign restored by bits.
const EXP_LOCALS = '(local $en v128) (local $er v128) (local $ep v128)';
const ERF_LOCALS = '(local $ez v128) (local $et v128) (local $ey v128)';
const f4 = (x: number) => `(f32x4.splat (f32.const ${x}))`;

/** `dst = exp(src)`; `src` and `dst` may be the same local. Needs EXP_LOCALS. */
export function vexp(dst: string, src: string): string {
  const poly = [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1].reduce((acc, c, i) => (i === 0 ? f4(c) : `(f32x4.add (f32x4.mul ${acc} (local.get $er)) ${f4(c)})`), '');
  return `
    (local.set $er (f32x4.max (f32x4.min (local.get ${src}) ${f4(88.3)}) ${f4(-80)}))
    (local.set $en (f32x4.nearest (f32x4.mul (local.get $er) ${f4(Math.LOG2E)})))
    (local.set $er (f32x4.sub (f32x4.sub (local.get $er) (f32x4.mul (local.get $en) ${f4(0.693145751953125)})) (f32x4.mul (local.get $en) ${f4(1.4286068203094172e-6)})))
    (local.set $ep ${poly})
    (local.set ${dst} (f32x4.mul (local.get $ep) (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $en)) (i32x4.splat (i32.const 127))) (i32.const 23))))`;
}

/** `dst = erf(src)`; needs ERF_LOCALS and EXP_LOCALS. */
export function verf(dst: string, src: string): string {
  const [p, a1, a2, a3, a4, a5] = [0.3275911, 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];
  return `
    (local.set $ez (f32x4.min (f32x4.abs (local.get ${src})) ${f4(9)}))
    (local.set $et (f32x4.div ${f4(1)} (f32x4.add ${f4(1)} (f32x4.mul ${f4(p)} (local.get $ez)))))
    (local.set $ey (f32x4.neg (f32x4.mul (local.get $ez) (local.get $ez))))
    ${vexp('$ey', '$ey')}
    (local.set $ey (f32x4.sub ${f4(1)} (f32x4.mul (local.get $ey) (f32x4.mul (local.get $et)
      (f32x4.add ${f4(a1)} (f32x4.mul (local.get $et) (f32x4.add ${f4(a2)} (f32x4.mul (local.get $et) (f32x4.add ${f4(a3)} (f32x4.mul (local.get $et) (f32x4.add ${f4(a4)} (f32x4.mul (local.get $et) ${f4(a5)}))))))))))))
    (local.set ${dst} (v128.bitselect (local.get ${src}) (local.get $ey) (i32x4.splat (i32.const 0x80000000))))`;
}

/** `dst = σ(src) = 1 / (1 + exp(−src))`; needs EXP_LOCALS (dst must differ from src). */
function sigmoid(dst: string, src: string): string {
  return `
    (local.set ${dst} (f32x4.neg (local.get ${src})))
    ${vexp(dst, dst)}
    (local.set ${dst} (f32x4.div ${f4(1)} (f32x4.add ${f4(1)} (local.get ${dst}))))`;
}

/** WAT: `$end` = bytes of a row of `$cols` floats, `$vend` = the bytes its whole vectors cover. */
const rowBounds = `(local.set $end (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))`;

/** WAT: zeroes `bytes` (a local's name or an expression; a multiple of 4) from `dst` on, with local `$j`. */
function zeroBytes(dst: string, bytes: string): string {
  const end = bytes.startsWith('$') ? `(local.get ${bytes})` : bytes;
  return `(local.set $j (i32.const 0))
  (block $zd (loop $zl (br_if $zd (i32.ge_u (local.get $j) ${end}))
    (f32.store (i32.add (local.get ${dst}) (local.get $j)) (f32.const 0))
    (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $zl)))`;
}

/** WAT: adds the row at `src` into the row at `dst` (see rowBounds): whole vectors, then one by one. */
function addRow(dst: string, src: string): string {
  return `(local.set $j (i32.const 0))
    (block $vd (loop $vl (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
      (v128.store (i32.add (local.get ${dst}) (local.get $j)) (f32x4.add (v128.load (i32.add (local.get ${dst}) (local.get $j))) (v128.load (i32.add (local.get ${src}) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $vl)))
    (block $td (loop $tl (br_if $td (i32.ge_u (local.get $j) (local.get $end)))
      (f32.store (i32.add (local.get ${dst}) (local.get $j)) (f32.add (f32.load (i32.add (local.get ${dst}) (local.get $j))) (f32.load (i32.add (local.get ${src}) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $tl)))`;
}

/** The module's text, importing `env.memory` (shared for the threaded wasm build). */
export function simdWat(sharedMemory: boolean): string {
  return `(module
(import "env" "memory" (memory 1 ${sharedMemory ? '65536 shared' : ''}))

;; dst[j] = sum over r of src[r*cols + j], j < cols (float32 accumulation, rows in order).
(func (export "colSums") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
  (local $j i32) (local $r i32) (local $vend i32) (local $end i32) (local $q i32)
  ${rowBounds}
  ${zeroBytes('$dst', '$end')}
  (local.set $r (local.get $rows))
  (local.set $q (local.get $src))
  (block $rd (loop $rl (br_if $rd (i32.eqz (local.get $r)))
    ${addRow('$dst', '$q')}
    (local.set $q (i32.add (local.get $q) (local.get $end)))
    (local.set $r (i32.sub (local.get $r) (i32.const 1))) (br $rl)))
)

;; out[seg] += x[r] for every row r of x with seg = ids[r] in [0, segments), out zeroed first (rows in
;; order, float32 additions: the same sums as one row at a time in JavaScript).
(func (export "segmentSum") (param $x i32) (param $ids i32) (param $out i32) (param $rows i32) (param $cols i32) (param $segments i32)
  (local $j i32) (local $r i32) (local $seg i32) (local $vend i32) (local $end i32) (local $q i32) (local $d i32)
  ${rowBounds}
  ${zeroBytes('$out', '(i32.mul (local.get $segments) (local.get $end))')}
  (local.set $r (i32.const 0))
  (local.set $q (local.get $x))
  (block $rd (loop $rl (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
    (local.set $seg (i32.load (i32.add (local.get $ids) (i32.shl (local.get $r) (i32.const 2)))))
    (if (i32.lt_u (local.get $seg) (local.get $segments)) (then
      (local.set $d (i32.add (local.get $out) (i32.mul (local.get $seg) (local.get $end))))
      ${addRow('$d', '$q')}))
    (local.set $q (i32.add (local.get $q) (local.get $end)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $rl)))
)

;; GELU of x + bias (bias [cols] broadcast over rows; cols a multiple of 4): u = x + b, y = u·Φ(u).
(func (export "biasGelu") (param $x i32) (param $b i32) (param $y i32) (param $u i32) (param $rows i32) (param $cols i32)
  (local $i i32) (local $j i32) (local $rowb i32) (local $end i32) (local $uv v128) (local $cdf v128) ${EXP_LOCALS} ${ERF_LOCALS}
  (local.set $rowb (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $end (i32.mul (local.get $rows) (local.get $rowb)))
  (local.set $i (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
    (local.set $j (i32.const 0))
    (block $jd (loop $jl (br_if $jd (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $uv (f32x4.add (v128.load (i32.add (local.get $x) (i32.add (local.get $i) (local.get $j)))) (v128.load (i32.add (local.get $b) (local.get $j)))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $i) (local.get $j))) (local.get $uv))
      (local.set $cdf (f32x4.mul (local.get $uv) ${f4(Math.SQRT1_2)}))
      ${verf('$cdf', '$cdf')}
      (v128.store (i32.add (local.get $y) (i32.add (local.get $i) (local.get $j))) (f32x4.mul (local.get $uv) (f32x4.add ${f4(0.5)} (f32x4.mul ${f4(0.5)} (local.get $cdf)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $jl)))
    (local.set $i (i32.add (local.get $i) (local.get $rowb))) (br $l)))
)

;; GELU backward over n elements (a multiple of 4): du = dy·(Φ(u) + u·φ(u)).
(func (export "geluGrad") (param $dy i32) (param $u i32) (param $du i32) (param $n i32)
  (local $i i32) (local $end i32) (local $uv v128) (local $cdf v128) (local $pdf v128) ${EXP_LOCALS} ${ERF_LOCALS}
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $i (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
    (local.set $uv (v128.load (i32.add (local.get $u) (local.get $i))))
    (local.set $cdf (f32x4.mul (local.get $uv) ${f4(Math.SQRT1_2)}))
    ${verf('$cdf', '$cdf')}
    (local.set $pdf (f32x4.mul (f32x4.mul (local.get $uv) (local.get $uv)) ${f4(-0.5)}))
    ${vexp('$pdf', '$pdf')}
    (v128.store (i32.add (local.get $du) (local.get $i))
      (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))
        (f32x4.add (f32x4.add ${f4(0.5)} (f32x4.mul ${f4(0.5)} (local.get $cdf))) (f32x4.mul (local.get $uv) (f32x4.mul (local.get $pdf) ${f4(1 / Math.sqrt(2 * Math.PI))})))))
    (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))
)

;; SwiGLU's gate over n elements (a multiple of 4): y = g·σ(g)·u, σ(g) = 1 / (1 + exp(−g)).
(func (export "swiglu") (param $g i32) (param $u i32) (param $y i32) (param $n i32)
  (local $i i32) (local $end i32) (local $gv v128) (local $s v128) ${EXP_LOCALS}
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $i (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
    (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
    ${sigmoid('$s', '$gv')}
    (v128.store (i32.add (local.get $y) (local.get $i)) (f32x4.mul (f32x4.mul (local.get $gv) (local.get $s)) (v128.load (i32.add (local.get $u) (local.get $i)))))
    (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))
)

;; Its gradient: du = dy·g·σ(g), dg = dy·u·σ(g)·(1 + g·(1 − σ(g))).
(func (export "swigluGrad") (param $dy i32) (param $g i32) (param $u i32) (param $dg i32) (param $du i32) (param $n i32)
  (local $i i32) (local $end i32) (local $gv v128) (local $s v128) (local $d v128) ${EXP_LOCALS}
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $i (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
    (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
    (local.set $d (v128.load (i32.add (local.get $dy) (local.get $i))))
    ${sigmoid('$s', '$gv')}
    (v128.store (i32.add (local.get $du) (local.get $i)) (f32x4.mul (f32x4.mul (local.get $d) (local.get $gv)) (local.get $s)))
    (v128.store (i32.add (local.get $dg) (local.get $i))
      (f32x4.mul (f32x4.mul (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $u) (local.get $i)))) (local.get $s))
        (f32x4.add ${f4(1)} (f32x4.mul (local.get $gv) (f32x4.sub ${f4(1)} (local.get $s))))))
    (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))
)

;; RoPE of heads x rows rows of cols floats (cols / 2 a multiple of 4) with one table of rows x cols
;; for every head: [a, b] -> [a·c1 − b·s1, b·c2 + a·s2]; with inv set, the transpose (the gradient):
;; [a·c1 + b·s2, b·c2 − a·s1]. c1, c2 (s1, s2) are the two halves of the cos (sin) row.
(func (export "rotary") (param $x i32) (param $c i32) (param $s i32) (param $y i32) (param $heads i32) (param $rows i32) (param $cols i32) (param $inv i32)
  (local $h i32) (local $r i32) (local $j i32) (local $half i32) (local $rowb i32) (local $xo i32) (local $to i32)
  (local $a v128) (local $b v128) (local $c1 v128) (local $c2 v128) (local $s1 v128) (local $s2 v128)
  (local.set $rowb (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $half (i32.shr_u (local.get $rowb) (i32.const 1)))
  (local.set $xo (i32.const 0))
  (local.set $h (local.get $heads))
  (block $hd (loop $hl (br_if $hd (i32.eqz (local.get $h)))
    (local.set $to (i32.const 0))
    (local.set $r (local.get $rows))
    (block $rd (loop $rl (br_if $rd (i32.eqz (local.get $r)))
      (local.set $j (i32.const 0))
      (block $jd (loop $jl (br_if $jd (i32.ge_u (local.get $j) (local.get $half)))
        (local.set $a (v128.load (i32.add (local.get $x) (i32.add (local.get $xo) (local.get $j)))))
        (local.set $b (v128.load (i32.add (local.get $x) (i32.add (local.get $xo) (i32.add (local.get $half) (local.get $j))))))
        (local.set $c1 (v128.load (i32.add (local.get $c) (i32.add (local.get $to) (local.get $j)))))
        (local.set $c2 (v128.load (i32.add (local.get $c) (i32.add (local.get $to) (i32.add (local.get $half) (local.get $j))))))
        (local.set $s1 (v128.load (i32.add (local.get $s) (i32.add (local.get $to) (local.get $j)))))
        (local.set $s2 (v128.load (i32.add (local.get $s) (i32.add (local.get $to) (i32.add (local.get $half) (local.get $j))))))
        (if (local.get $inv)
          (then
            (v128.store (i32.add (local.get $y) (i32.add (local.get $xo) (local.get $j)))
              (f32x4.add (f32x4.mul (local.get $a) (local.get $c1)) (f32x4.mul (local.get $b) (local.get $s2))))
            (v128.store (i32.add (local.get $y) (i32.add (local.get $xo) (i32.add (local.get $half) (local.get $j))))
              (f32x4.sub (f32x4.mul (local.get $b) (local.get $c2)) (f32x4.mul (local.get $a) (local.get $s1)))))
          (else
            (v128.store (i32.add (local.get $y) (i32.add (local.get $xo) (local.get $j)))
              (f32x4.sub (f32x4.mul (local.get $a) (local.get $c1)) (f32x4.mul (local.get $b) (local.get $s1))))
            (v128.store (i32.add (local.get $y) (i32.add (local.get $xo) (i32.add (local.get $half) (local.get $j))))
              (f32x4.add (f32x4.mul (local.get $b) (local.get $c2)) (f32x4.mul (local.get $a) (local.get $s2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $jl)))
      (local.set $xo (i32.add (local.get $xo) (local.get $rowb)))
      (local.set $to (i32.add (local.get $to) (local.get $rowb)))
      (local.set $r (i32.sub (local.get $r) (i32.const 1))) (br $rl)))
    (local.set $h (i32.sub (local.get $h) (i32.const 1))) (br $hl)))
)

;; Per row of x [rows, cols]: maxOut[r] = max_j x, sumOut[r] = sum_j exp(x − max). Four columns at a
;; time, then the last cols mod 4 one by one (each through the vector exp, lane 0).
(func (export "rowMaxSumExp") (param $x i32) (param $rows i32) (param $cols i32) (param $maxOut i32) (param $sumOut i32)
  (local $r i32) (local $j i32) (local $rowb i32) (local $vend i32) (local $q i32) (local $m f32) (local $s f32) (local $mv v128) (local $sv v128) (local $ev v128) ${EXP_LOCALS}
  (local.set $rowb (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
  (local.set $q (local.get $x))
  (local.set $r (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $r) (local.get $rows)))
    (local.set $mv (i32x4.splat (i32.const -8388608)))
    (local.set $j (i32.const 0))
    (block $md (loop $ml (br_if $md (i32.ge_u (local.get $j) (local.get $vend)))
      (local.set $mv (f32x4.max (local.get $mv) (v128.load (i32.add (local.get $q) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $ml)))
    (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv))) (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
    (block $mtd (loop $mtl (br_if $mtd (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $q) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $mtl)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $sv (v128.const i32x4 0 0 0 0))
    (local.set $j (i32.const 0))
    (block $sd (loop $sl (br_if $sd (i32.ge_u (local.get $j) (local.get $vend)))
      (local.set $ev (f32x4.sub (v128.load (i32.add (local.get $q) (local.get $j))) (local.get $mv)))
      ${vexp('$ev', '$ev')}
      (local.set $sv (f32x4.add (local.get $sv) (local.get $ev)))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $sl)))
    (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sv)) (f32x4.extract_lane 1 (local.get $sv))) (f32.add (f32x4.extract_lane 2 (local.get $sv)) (f32x4.extract_lane 3 (local.get $sv)))))
    (block $std (loop $stl (br_if $std (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $ev (f32x4.splat (f32.sub (f32.load (i32.add (local.get $q) (local.get $j))) (local.get $m))))
      ${vexp('$ev', '$ev')}
      (local.set $s (f32.add (local.get $s) (f32x4.extract_lane 0 (local.get $ev))))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $stl)))
    (f32.store (i32.add (local.get $maxOut) (i32.shl (local.get $r) (i32.const 2))) (local.get $m))
    (f32.store (i32.add (local.get $sumOut) (i32.shl (local.get $r) (i32.const 2))) (local.get $s))
    (local.set $q (i32.add (local.get $q) (local.get $rowb)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $l)))
)

;; out[r, j] = exp(x[r, j] − lse[r])·w[r]·dy over rows of x [rows, cols] (the softmax, scaled per row);
;; the last cols mod 4 one by one, as in rowMaxSumExp.
(func (export "softmaxScaled") (param $x i32) (param $lse i32) (param $w i32) (param $dy f32) (param $rows i32) (param $cols i32) (param $out i32)
  (local $r i32) (local $j i32) (local $rowb i32) (local $vend i32) (local $q i32) (local $o i32) (local $lv v128) (local $sv v128) (local $ev v128) ${EXP_LOCALS}
  (local.set $rowb (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
  (local.set $q (local.get $x))
  (local.set $o (local.get $out))
  (local.set $r (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $r) (local.get $rows)))
    (local.set $lv (f32x4.splat (f32.load (i32.add (local.get $lse) (i32.shl (local.get $r) (i32.const 2))))))
    (local.set $sv (f32x4.splat (f32.mul (f32.load (i32.add (local.get $w) (i32.shl (local.get $r) (i32.const 2)))) (local.get $dy))))
    (local.set $j (i32.const 0))
    (block $sd (loop $sl (br_if $sd (i32.ge_u (local.get $j) (local.get $vend)))
      (local.set $ev (f32x4.sub (v128.load (i32.add (local.get $q) (local.get $j))) (local.get $lv)))
      ${vexp('$ev', '$ev')}
      (v128.store (i32.add (local.get $o) (local.get $j)) (f32x4.mul (local.get $ev) (local.get $sv)))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $sl)))
    (block $td (loop $tl (br_if $td (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $ev (f32x4.splat (f32.load (i32.add (local.get $q) (local.get $j)))))
      (local.set $ev (f32x4.sub (local.get $ev) (local.get $lv)))
      ${vexp('$ev', '$ev')}
      (f32.store (i32.add (local.get $o) (local.get $j)) (f32x4.extract_lane 0 (f32x4.mul (local.get $ev) (local.get $sv))))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $tl)))
    (local.set $q (i32.add (local.get $q) (local.get $rowb)))
    (local.set $o (i32.add (local.get $o) (local.get $rowb)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $l)))
)

;; Softmax backward over rows of p and dp [rows, cols], with the scale of the logits folded in (attention):
;; out = scale·p·(dp − Σ_j dp·p).
(func (export "softmaxGrad") (param $p i32) (param $dp i32) (param $out i32) (param $rows i32) (param $cols i32) (param $scale f32)
  (local $r i32) (local $j i32) (local $rowb i32) (local $vend i32) (local $dot f32) (local $sv v128) (local $dv v128) (local $sc v128)
  (local.set $rowb (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
  (local.set $sc (f32x4.splat (local.get $scale)))
  (local.set $r (local.get $rows))
  (block $d (loop $l (br_if $d (i32.eqz (local.get $r)))
    (local.set $sv (v128.const i32x4 0 0 0 0))
    (local.set $j (i32.const 0))
    (block $ad (loop $al (br_if $ad (i32.ge_u (local.get $j) (local.get $vend)))
      (local.set $sv (f32x4.add (local.get $sv) (f32x4.mul (v128.load (i32.add (local.get $dp) (local.get $j))) (v128.load (i32.add (local.get $p) (local.get $j))))))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $al)))
    (local.set $dot (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sv)) (f32x4.extract_lane 1 (local.get $sv))) (f32.add (f32x4.extract_lane 2 (local.get $sv)) (f32x4.extract_lane 3 (local.get $sv)))))
    (block $atd (loop $atl (br_if $atd (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $dot (f32.add (local.get $dot) (f32.mul (f32.load (i32.add (local.get $dp) (local.get $j))) (f32.load (i32.add (local.get $p) (local.get $j))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $atl)))
    (local.set $dv (f32x4.splat (local.get $dot)))
    (local.set $j (i32.const 0))
    (block $bd (loop $bl (br_if $bd (i32.ge_u (local.get $j) (local.get $vend)))
      (v128.store (i32.add (local.get $out) (local.get $j))
        (f32x4.mul (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $dp) (local.get $j))) (local.get $dv)) (v128.load (i32.add (local.get $p) (local.get $j)))) (local.get $sc)))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $bl)))
    (block $btd (loop $btl (br_if $btd (i32.ge_u (local.get $j) (local.get $rowb)))
      (f32.store (i32.add (local.get $out) (local.get $j))
        (f32.mul (f32.mul (f32.sub (f32.load (i32.add (local.get $dp) (local.get $j))) (local.get $dot)) (f32.load (i32.add (local.get $p) (local.get $j)))) (local.get $scale)))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $btl)))
    (local.set $p (i32.add (local.get $p) (local.get $rowb)))
    (local.set $dp (i32.add (local.get $dp) (local.get $rowb)))
    (local.set $out (i32.add (local.get $out) (local.get $rowb)))
    (local.set $r (i32.sub (local.get $r) (i32.const 1))) (br $l)))
)

;; LayerNorm (rms = 0) or RMSNorm (rms = 1) forward over rows of x [rows, cols] (cols a multiple of 4):
;; y = (x − μ)·r·γ (+ β unless rms), r = 1/sqrt(mean((x − μ)²) + eps), μ = 0 for RMSNorm; writes μ, r.
(func (export "normForward") (param $x i32) (param $g i32) (param $b i32) (param $y i32) (param $mean i32) (param $rstd i32)
  (param $rows i32) (param $cols i32) (param $eps f32) (param $rms i32)
  (local $r i32) (local $j i32) (local $rowb i32) (local $q i32) (local $o i32) (local $mu f32) (local $rs f32)
  (local $acc v128) (local $c v128) (local $muv v128) (local $rsv v128)
  (local.set $rowb (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $q (local.get $x))
  (local.set $o (local.get $y))
  (local.set $r (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $r) (local.get $rows)))
    (local.set $mu (f32.const 0))
    (if (i32.eqz (local.get $rms)) (then
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $md (loop $ml (br_if $md (i32.ge_u (local.get $j) (local.get $rowb)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $q) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $ml)))
      (local.set $mu (f32.div (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))) (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))) (f32.convert_i32_s (local.get $cols))))))
    (local.set $muv (f32x4.splat (local.get $mu)))
    (local.set $acc (v128.const i32x4 0 0 0 0))
    (local.set $j (i32.const 0))
    (block $vd (loop $vl (br_if $vd (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $c (f32x4.sub (v128.load (i32.add (local.get $q) (local.get $j))) (local.get $muv)))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $c) (local.get $c))))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $vl)))
    (local.set $rs (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))) (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))) (f32.convert_i32_s (local.get $cols))) (local.get $eps)))))
    (f32.store (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2))) (local.get $mu))
    (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))) (local.get $rs))
    (local.set $rsv (f32x4.splat (local.get $rs)))
    (local.set $j (i32.const 0))
    (block $yd (loop $yl (br_if $yd (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $c (f32x4.mul (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $q) (local.get $j))) (local.get $muv)) (local.get $rsv)) (v128.load (i32.add (local.get $g) (local.get $j)))))
      (if (i32.eqz (local.get $rms)) (then (local.set $c (f32x4.add (local.get $c) (v128.load (i32.add (local.get $b) (local.get $j)))))))
      (v128.store (i32.add (local.get $o) (local.get $j)) (local.get $c))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $yl)))
    (local.set $q (i32.add (local.get $q) (local.get $rowb)))
    (local.set $o (i32.add (local.get $o) (local.get $rowb)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $l)))
)

;; Its backward: with h = (x − μ)·r and g = dy·γ, dx = r·(g − mean(g) − h·mean(g·h)) (RMSNorm drops
;; mean(g)); dγ = Σ_rows dy·h, dβ = Σ_rows dy.
(func (export "normBackward") (param $dy i32) (param $x i32) (param $g i32) (param $mean i32) (param $rstd i32)
  (param $dx i32) (param $dg i32) (param $db i32) (param $rows i32) (param $cols i32) (param $rms i32)
  (local $r i32) (local $j i32) (local $rowb i32) (local $off i32) (local $n f32)
  (local $muv v128) (local $rsv v128) (local $h v128) (local $d v128) (local $gg v128) (local $sg v128) (local $sgh v128) (local $mg v128) (local $mgh v128)
  (local.set $rowb (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $n (f32.convert_i32_s (local.get $cols)))
  (local.set $j (i32.const 0))
  (block $zd (loop $zl (br_if $zd (i32.ge_u (local.get $j) (local.get $rowb)))
    (v128.store (i32.add (local.get $dg) (local.get $j)) (v128.const i32x4 0 0 0 0))
    (v128.store (i32.add (local.get $db) (local.get $j)) (v128.const i32x4 0 0 0 0))
    (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $zl)))
  (local.set $off (i32.const 0))
  (local.set $r (i32.const 0))
  (block $d (loop $l (br_if $d (i32.ge_u (local.get $r) (local.get $rows)))
    (local.set $muv (f32x4.splat (f32.load (i32.add (local.get $mean) (i32.shl (local.get $r) (i32.const 2))))))
    (local.set $rsv (f32x4.splat (f32.load (i32.add (local.get $rstd) (i32.shl (local.get $r) (i32.const 2))))))
    (local.set $sg (v128.const i32x4 0 0 0 0))
    (local.set $sgh (v128.const i32x4 0 0 0 0))
    (local.set $j (i32.const 0))
    (block $sd (loop $sl (br_if $sd (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $h (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (local.get $muv)) (local.get $rsv)))
      (local.set $d (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j)))))
      (local.set $gg (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $g) (local.get $j)))))
      (local.set $sg (f32x4.add (local.get $sg) (local.get $gg)))
      (local.set $sgh (f32x4.add (local.get $sgh) (f32x4.mul (local.get $gg) (local.get $h))))
      (v128.store (i32.add (local.get $dg) (local.get $j)) (f32x4.add (v128.load (i32.add (local.get $dg) (local.get $j))) (f32x4.mul (local.get $d) (local.get $h))))
      (v128.store (i32.add (local.get $db) (local.get $j)) (f32x4.add (v128.load (i32.add (local.get $db) (local.get $j))) (local.get $d)))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $sl)))
    (local.set $mg (f32x4.splat (f32.div (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sg)) (f32x4.extract_lane 1 (local.get $sg))) (f32.add (f32x4.extract_lane 2 (local.get $sg)) (f32x4.extract_lane 3 (local.get $sg)))) (local.get $n))))
    (if (local.get $rms) (then (local.set $mg (v128.const i32x4 0 0 0 0))))
    (local.set $mgh (f32x4.splat (f32.div (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sgh)) (f32x4.extract_lane 1 (local.get $sgh))) (f32.add (f32x4.extract_lane 2 (local.get $sgh)) (f32x4.extract_lane 3 (local.get $sgh)))) (local.get $n))))
    (local.set $j (i32.const 0))
    (block $xd (loop $xl (br_if $xd (i32.ge_u (local.get $j) (local.get $rowb)))
      (local.set $h (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (local.get $muv)) (local.get $rsv)))
      (local.set $gg (f32x4.mul (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j)))) (v128.load (i32.add (local.get $g) (local.get $j)))))
      (v128.store (i32.add (local.get $dx) (i32.add (local.get $off) (local.get $j)))
        (f32x4.mul (local.get $rsv) (f32x4.sub (f32x4.sub (local.get $gg) (local.get $mg)) (f32x4.mul (local.get $h) (local.get $mgh)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $xl)))
    (local.set $off (i32.add (local.get $off) (local.get $rowb)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $l)))
)

;; AdamW over n elements into new arrays: m' = b1*m + (1-b1)*g, v' = b2*v + (1-b2)*g*g,
;; p' = p*decay - step*m' / (sqrt(v')*inv + eps), with step = lr/(1-b1^t) and inv = 1/sqrt(1-b2^t).
(func (export "adamw") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $po i32) (param $mo i32) (param $vo i32) (param $n i32)
  (param $b1 f32) (param $b2 f32) (param $eps f32) (param $decay f32) (param $step f32) (param $inv f32)
  (local $i i32) (local $vend i32) (local $end i32)
  (local $c1 f32) (local $c2 f32) (local $gs f32) (local $ms f32) (local $vs f32)
  (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $veps v128) (local $vdecay v128) (local $vstep v128) (local $vinv v128)
  (local $gv v128) (local $mv v128) (local $vv v128)
  (local.set $c1 (f32.sub (f32.const 1) (local.get $b1)))
  (local.set $c2 (f32.sub (f32.const 1) (local.get $b2)))
  (local.set $vb1 (f32x4.splat (local.get $b1)))
  (local.set $vc1 (f32x4.splat (local.get $c1)))
  (local.set $vb2 (f32x4.splat (local.get $b2)))
  (local.set $vc2 (f32x4.splat (local.get $c2)))
  (local.set $veps (f32x4.splat (local.get $eps)))
  (local.set $vdecay (f32x4.splat (local.get $decay)))
  (local.set $vstep (f32x4.splat (local.get $step)))
  (local.set $vinv (f32x4.splat (local.get $inv)))
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
  (local.set $i (i32.const 0))
  (block $vd (loop $vl (br_if $vd (i32.ge_u (local.get $i) (local.get $vend)))
    (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
    (local.set $mv (f32x4.add (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $m) (local.get $i)))) (f32x4.mul (local.get $vc1) (local.get $gv))))
    (local.set $vv (f32x4.add (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $v) (local.get $i)))) (f32x4.mul (local.get $vc2) (f32x4.mul (local.get $gv) (local.get $gv)))))
    (v128.store (i32.add (local.get $mo) (local.get $i)) (local.get $mv))
    (v128.store (i32.add (local.get $vo) (local.get $i)) (local.get $vv))
    (v128.store (i32.add (local.get $po) (local.get $i))
      (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $vdecay))
        (f32x4.div (f32x4.mul (local.get $vstep) (local.get $mv)) (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vv)) (local.get $vinv)) (local.get $veps)))))
    (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $vl)))
  (block $td (loop $tl (br_if $td (i32.ge_u (local.get $i) (local.get $end)))
    ${adamTail}
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $tl)))
)
)`;
}
