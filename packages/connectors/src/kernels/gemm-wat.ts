// The WebAssembly SIMD source of the toolkit's float32 matrix product (see wasm-gemm.ts): packing
// routines and a register-tiled kernel, in two forms. Written for V8's optimising compiler on x64, which
// keeps 15 of the 16 xmm registers for values and hoists every load of a k step to its top:
// - multiply and add: a 4x8 tile, 8 accumulators + 2 vectors of B + 4 broadcasts of A + 1 product, so
//   nothing spills (a 6x8 tile, XNNPACK's choice, spills and runs at ~25 GFLOP/s against ~40);
// - fused multiply-add (relaxed SIMD): a 5x8 tile, 10 accumulators + 2 vectors of B + 2 loads of the A
//   panel's column, each row's value broadcast by a lane shuffle right before its multiply-adds (a
//   shuffle is not hoisted like a broadcast load) = 15. FMA chains are latency-bound here, so the ninth
//   and tenth accumulators raise the rate: 42-45 GFLOP/s on one thread against 39-41 for a fused 4x8
//   and 32-33 for the multiply-and-add 4x8 (Intel Xeon, Node 20). Broadcast loads at 5 or 6 rows, or
//   shuffles at 6, spill (25-32).
// The k loop is not unrolled by hand: V8 unrolls it by two itself, and more spills.

/** Rows of A per register tile (panel height of packed A) of the multiply-and-add kernel. */
export const MR = 4;
/** Rows per tile of the fused multiply-add kernel. */
export const MR_FUSED = 5;
/** Columns of B per register tile (panel width of packed B). */
export const NR = 8;

/** Rows of A per register tile (and of a packed A panel) of the kernel `gemmWat(_, fused)` builds. */
export const tileRows = (fused: boolean): number => (fused ? MR_FUSED : MR);

/**
 * The module's text, importing `env.memory` (shared for the threaded wasm build); `fused` multiplies and
 * adds with relaxed SIMD's `f32x4.relaxed_madd` (see relaxed-simd.ts), which the engine must validate, on
 * tiles of {@link MR_FUSED} rows; else {@link MR}. Packed A panels are `tileRows(fused)` rows high.
 */
export function gemmWat(sharedMemory: boolean, fused = false): string {
  const mr = tileRows(fused);
  const rows = Array.from({ length: mr }, (_, r) => r);
  const acc = rows.map((r) => `(local $c${r}0 v128) (local $c${r}1 v128)`).join(' ');
  const setAll = (lo: string, hi: string) => rows.map((r) => `(local.set $c${r}0 ${lo}) (local.set $c${r}1 ${hi})`).join('\n');
  // C tile rows from $src with a byte stride of $stride
  const loadTile = rows
    .map((r) => `(local.set $c${r}0 (v128.load (local.get $p))) (local.set $c${r}1 (v128.load offset=16 (local.get $p)))${r < mr - 1 ? ' (local.set $p (i32.add (local.get $p) (local.get $stride)))' : ''}`)
    .join('\n');
  const storeTile = rows
    .map((r) => `(v128.store (local.get $p) (local.get $c${r}0)) (v128.store offset=16 (local.get $p) (local.get $c${r}1))${r < mr - 1 ? ' (local.set $p (i32.add (local.get $p) (local.get $stride)))' : ''}`)
    .join('\n');
  // c += a·b: one fused multiply-add (relaxed SIMD) or a multiply and an add
  const madd = (c: string, b: string) =>
    fused ? `(f32x4.relaxed_madd (local.get $av) (local.get ${b}) (local.get ${c}))` : `(f32x4.add (local.get ${c}) (f32x4.mul (local.get $av) (local.get ${b})))`;
  // lane l of $v broadcast to all four lanes
  const dup = (v: string, l: number) => `(i8x16.shuffle ${Array.from({ length: 16 }, (_, i) => 4 * l + (i % 4)).join(' ')} (local.get ${v}) (local.get ${v}))`;
  // one k step: the broadcast of each row's A value, then its two multiply-adds
  const rowStep = (r: number, broadcast: string) => `(local.set $av ${broadcast})
      (local.set $c${r}0 ${madd(`$c${r}0`, '$b0')})
      (local.set $c${r}1 ${madd(`$c${r}1`, '$b1')})`;
  // fused: rows 0-3 from one load of the panel's column, row 4 (lane 3) from a second one at offset 4
  const step = fused
    ? `(local.set $a0 (v128.load (local.get $a))) (local.set $a1 (v128.load offset=4 (local.get $a)))\n${rows.map((r) => rowStep(r, r < 4 ? dup('$a0', r) : dup('$a1', 3))).join('\n')}`
    : rows.map((r) => rowStep(r, `(v128.load32_splat offset=${4 * r} (local.get $a))`)).join('\n');
  // mr consecutive floats from $q to $p (one column of an A panel), and mr zeros at $p: in 16-, 8- and 4-byte moves
  const chunks: [number, number][] = [];
  for (let off = 0; off < 4 * mr; ) {
    const size = 4 * mr - off >= 16 ? 16 : 4 * mr - off >= 8 ? 8 : 4;
    chunks.push([off, size]);
    off += size;
  }
  const type = (size: number) => (size === 16 ? 'v128' : size === 8 ? 'i64' : 'f32');
  const zero = (size: number) => (size === 16 ? '(v128.const i32x4 0 0 0 0)' : size === 8 ? '(i64.const 0)' : '(f32.const 0)');
  const copyPanelColumn = chunks.map(([off, size]) => `(${type(size)}.store offset=${off} (local.get $p) (${type(size)}.load offset=${off} (local.get $q)))`).join(' ');
  const zeroPanelColumn = chunks.map(([off, size]) => `(${type(size)}.store offset=${off} (local.get $p) ${zero(size)})`).join(' ');
  // copies a rows x cols block between a C tile (row stride $ldcb bytes) and the mr x 8 scratch tile
  const copyPartial = (toScratch: boolean) => `
    (local.set $r (i32.const 0))
    (block $rd (loop $rl (br_if $rd (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $t (i32.const 0))
      (block $td (loop $tl (br_if $td (i32.ge_s (local.get $t) (local.get $cols)))
        (local.set $q (i32.add (local.get $cp) (i32.add (i32.mul (local.get $r) (local.get $ldcb)) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $p (i32.add (local.get $scr) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $t)) (i32.const 2))))
        ${toScratch ? '(f32.store (local.get $p) (f32.load (local.get $q)))' : '(f32.store (local.get $q) (f32.load (local.get $p)))'}
        (local.set $t (i32.add (local.get $t) (i32.const 1))) (br $tl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $rl)))`;

  return `(module
(import "env" "memory" (memory 1 ${sharedMemory ? '65536 shared' : ''}))

;; C[m x n] (row stride ldc floats) = packed A · packed B (+ bias[n], padded to a multiple of 8).
;; ap: ceil(m/${mr}) panels of [k][${mr}]; bp: ceil(n/8) panels of [k][8]; scr: ${4 * mr * NR} bytes of scratch.
;; Blocked over k (kc steps) and n (nc columns, a multiple of 8).
(func (export "gemm") (param $ap i32) (param $bp i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
  (param $ldc i32) (param $bias i32) (param $scr i32) (param $nc i32) (param $kc i32)
  (local $pc i32) (local $kb i32) (local $jc i32) (local $jend i32) (local $i i32) (local $j i32) (local $a i32) (local $b i32)
  (local $kk i32) (local $cp i32) (local $rows i32) (local $cols i32) (local $full i32) (local $r i32) (local $t i32)
  (local $p i32) (local $q i32) (local $stride i32) (local $ldcb i32)
  ${acc} (local $b0 v128) (local $b1 v128) (local $av v128) (local $a0 v128) (local $a1 v128)
  (local.set $ldcb (i32.shl (local.get $ldc) (i32.const 2)))
  (local.set $pc (i32.const 0))
  (block $pcd (loop $pcl (br_if $pcd (i32.ge_s (local.get $pc) (local.get $k)))
    (local.set $kb (i32.sub (local.get $k) (local.get $pc)))
    (if (i32.gt_s (local.get $kb) (local.get $kc)) (then (local.set $kb (local.get $kc))))
    (local.set $jc (i32.const 0))
    (block $jcd (loop $jcl (br_if $jcd (i32.ge_s (local.get $jc) (local.get $n)))
      (local.set $jend (i32.add (local.get $jc) (local.get $nc)))
      (if (i32.gt_s (local.get $jend) (local.get $n)) (then (local.set $jend (local.get $n))))
      (local.set $i (i32.const 0))
      (block $id (loop $il (br_if $id (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $rows (i32.sub (local.get $m) (local.get $i)))
        (if (i32.gt_s (local.get $rows) (i32.const ${mr})) (then (local.set $rows (i32.const ${mr}))))
        (local.set $j (local.get $jc))
        (block $jd (loop $jl (br_if $jd (i32.ge_s (local.get $j) (local.get $jend)))
          (local.set $cols (i32.sub (local.get $n) (local.get $j)))
          (if (i32.gt_s (local.get $cols) (i32.const 8)) (then (local.set $cols (i32.const 8))))
          (local.set $full (i32.and (i32.eq (local.get $rows) (i32.const ${mr})) (i32.eq (local.get $cols) (i32.const 8))))
          (local.set $a (i32.add (local.get $ap) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (i32.mul (local.get $pc) (i32.const ${mr}))) (i32.const 2))))
          (local.set $b (i32.add (local.get $bp) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (i32.shl (local.get $pc) (i32.const 3))) (i32.const 2))))
          (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 2))))
          (if (i32.eqz (local.get $pc))
            (then
              (if (local.get $bias)
                (then
                  (local.set $b0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
                  (local.set $b1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))
                (else (local.set $b0 (v128.const i32x4 0 0 0 0)) (local.set $b1 (v128.const i32x4 0 0 0 0))))
              ${setAll('(local.get $b0)', '(local.get $b1)')})
            (else
              (if (local.get $full)
                (then (local.set $p (local.get $cp)) (local.set $stride (local.get $ldcb)))
                (else ${copyPartial(true)} (local.set $p (local.get $scr)) (local.set $stride (i32.const 32))))
              ${loadTile}))
          (local.set $kk (local.get $kb))
          (block $kd (loop $kl (br_if $kd (i32.eqz (local.get $kk)))
            (local.set $b0 (v128.load (local.get $b)))
            (local.set $b1 (v128.load offset=16 (local.get $b)))
            ${step}
            (local.set $a (i32.add (local.get $a) (i32.const ${4 * mr})))
            (local.set $b (i32.add (local.get $b) (i32.const 32)))
            (local.set $kk (i32.sub (local.get $kk) (i32.const 1)))
            (br $kl)))
          (if (local.get $full)
            (then (local.set $p (local.get $cp)) (local.set $stride (local.get $ldcb)) ${storeTile})
            (else (local.set $p (local.get $scr)) (local.set $stride (i32.const 32)) ${storeTile} ${copyPartial(false)}))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const ${mr})))
        (br $il)))
      (local.set $jc (i32.add (local.get $jc) (local.get $nc)))
      (br $jcl)))
    (local.set $pc (i32.add (local.get $pc) (local.get $kc)))
    (br $pcl)))
)

;; A stored row-major, element (i, kk) at src[i*lda + kk] -> panels [ceil(m/${mr})][k][${mr}], rows past m zero.
(func (export "packARows") (param $src i32) (param $dst i32) (param $m i32) (param $k i32) (param $lda i32)
  (local $i i32) (local $r i32) (local $kk i32) (local $p i32) (local $q i32)
  (local.set $i (i32.const 0))
  (block $id (loop $il (br_if $id (i32.ge_s (local.get $i) (local.get $m)))
    (local.set $r (i32.const 0))
    (block $rd (loop $rl (br_if $rd (i32.ge_s (local.get $r) (i32.const ${mr})))
      (local.set $p (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $r)) (i32.const 2))))
      (local.set $kk (local.get $k))
      (if (i32.lt_s (i32.add (local.get $i) (local.get $r)) (local.get $m))
        (then
          (local.set $q (i32.add (local.get $src) (i32.shl (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $lda)) (i32.const 2))))
          (block $kd (loop $kl (br_if $kd (i32.eqz (local.get $kk)))
            (f32.store (local.get $p) (f32.load (local.get $q)))
            (local.set $p (i32.add (local.get $p) (i32.const ${4 * mr})))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (local.set $kk (i32.sub (local.get $kk) (i32.const 1))) (br $kl))))
        (else
          (block $kd (loop $kl (br_if $kd (i32.eqz (local.get $kk)))
            (f32.store (local.get $p) (f32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const ${4 * mr})))
            (local.set $kk (i32.sub (local.get $kk) (i32.const 1))) (br $kl)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $rl)))
    (local.set $i (i32.add (local.get $i) (i32.const ${mr}))) (br $il)))
)

;; A stored transposed, element (i, kk) at src[kk*lda + i] -> panels [ceil(m/${mr})][k][${mr}], rows past m zero.
(func (export "packACols") (param $src i32) (param $dst i32) (param $m i32) (param $k i32) (param $lda i32)
  (local $i i32) (local $r i32) (local $kk i32) (local $p i32) (local $q i32) (local $ldab i32)
  (local.set $ldab (i32.shl (local.get $lda) (i32.const 2)))
  (local.set $i (i32.const 0))
  (block $id (loop $il (br_if $id (i32.ge_s (local.get $i) (local.get $m)))
    (local.set $p (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 2))))
    (local.set $q (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
    (local.set $kk (local.get $k))
    (if (i32.le_s (i32.add (local.get $i) (i32.const ${mr})) (local.get $m))
      (then
        (block $kd (loop $kl (br_if $kd (i32.eqz (local.get $kk)))
          ${copyPanelColumn}
          (local.set $p (i32.add (local.get $p) (i32.const ${4 * mr})))
          (local.set $q (i32.add (local.get $q) (local.get $ldab)))
          (local.set $kk (i32.sub (local.get $kk) (i32.const 1))) (br $kl))))
      (else
        (block $kd (loop $kl (br_if $kd (i32.eqz (local.get $kk)))
          ${zeroPanelColumn}
          (local.set $r (i32.const 0))
          (block $rd (loop $rl (br_if $rd (i32.ge_s (i32.add (local.get $i) (local.get $r)) (local.get $m)))
            (f32.store (i32.add (local.get $p) (i32.shl (local.get $r) (i32.const 2))) (f32.load (i32.add (local.get $q) (i32.shl (local.get $r) (i32.const 2)))))
            (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $rl)))
          (local.set $p (i32.add (local.get $p) (i32.const ${4 * mr})))
          (local.set $q (i32.add (local.get $q) (local.get $ldab)))
          (local.set $kk (i32.sub (local.get $kk) (i32.const 1))) (br $kl)))))
    (local.set $i (i32.add (local.get $i) (i32.const ${mr}))) (br $il)))
)

;; B stored row-major, element (kk, j) at src[kk*ldb + j] -> panels [ceil(n/8)][k][8], columns past n zero.
(func (export "packBRows") (param $src i32) (param $dst i32) (param $k i32) (param $n i32) (param $ldb i32)
  (local $j i32) (local $l i32) (local $kk i32) (local $p i32) (local $q i32) (local $full i32) (local $kb i32)
  (local.set $full (i32.and (local.get $n) (i32.const -8)))
  (local.set $kb (i32.shl (local.get $k) (i32.const 5)))
  ;; whole panels, row by row: sequential reads
  (local.set $kk (i32.const 0))
  (block $kd (loop $kl (br_if $kd (i32.ge_s (local.get $kk) (local.get $k)))
    (local.set $q (i32.add (local.get $src) (i32.shl (i32.mul (local.get $kk) (local.get $ldb)) (i32.const 2))))
    (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $kk) (i32.const 5))))
    (local.set $j (i32.const 0))
    (block $jd (loop $jl (br_if $jd (i32.ge_s (local.get $j) (local.get $full)))
      (v128.store (local.get $p) (v128.load (local.get $q)))
      (v128.store offset=16 (local.get $p) (v128.load offset=16 (local.get $q)))
      (local.set $p (i32.add (local.get $p) (local.get $kb)))
      (local.set $q (i32.add (local.get $q) (i32.const 32)))
      (local.set $j (i32.add (local.get $j) (i32.const 8))) (br $jl)))
    ;; the last, partial panel
    (if (i32.lt_s (local.get $full) (local.get $n))
      (then
        (v128.store (local.get $p) (v128.const i32x4 0 0 0 0))
        (v128.store offset=16 (local.get $p) (v128.const i32x4 0 0 0 0))
        (local.set $l (i32.const 0))
        (block $ld (loop $ll (br_if $ld (i32.ge_s (i32.add (local.get $full) (local.get $l)) (local.get $n)))
          (f32.store (i32.add (local.get $p) (i32.shl (local.get $l) (i32.const 2))) (f32.load (i32.add (local.get $q) (i32.shl (local.get $l) (i32.const 2)))))
          (local.set $l (i32.add (local.get $l) (i32.const 1))) (br $ll)))))
    (local.set $kk (i32.add (local.get $kk) (i32.const 1))) (br $kl)))
)

;; B stored transposed, element (kk, j) at src[j*ldb + kk] -> panels [ceil(n/8)][k][8], columns past n zero.
(func (export "packBCols") (param $src i32) (param $dst i32) (param $k i32) (param $n i32) (param $ldb i32)
  (local $j i32) (local $l i32) (local $kk i32) (local $p i32) (local $q i32)
  (local.set $j (i32.const 0))
  (block $jd (loop $jl (br_if $jd (i32.ge_s (local.get $j) (local.get $n)))
    (local.set $l (i32.const 0))
    (block $ld (loop $ll (br_if $ld (i32.ge_s (local.get $l) (i32.const 8)))
      (local.set $p (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $l)) (i32.const 2))))
      (local.set $kk (local.get $k))
      (if (i32.lt_s (i32.add (local.get $j) (local.get $l)) (local.get $n))
        (then
          (local.set $q (i32.add (local.get $src) (i32.shl (i32.mul (i32.add (local.get $j) (local.get $l)) (local.get $ldb)) (i32.const 2))))
          (block $kd (loop $kl (br_if $kd (i32.eqz (local.get $kk)))
            (f32.store (local.get $p) (f32.load (local.get $q)))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (local.set $kk (i32.sub (local.get $kk) (i32.const 1))) (br $kl))))
        (else
          (block $kd (loop $kl (br_if $kd (i32.eqz (local.get $kk)))
            (f32.store (local.get $p) (f32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (local.set $kk (i32.sub (local.get $kk) (i32.const 1))) (br $kl)))))
      (local.set $l (i32.add (local.get $l) (i32.const 1))) (br $ll)))
    (local.set $j (i32.add (local.get $j) (i32.const 8))) (br $jl)))
)
)`;
}
