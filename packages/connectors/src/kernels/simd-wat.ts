// WebAssembly SIMD source of the toolkit's element-wise wasm kernels (assembled by wat-assembler.ts and
// run over tfjs-backend-wasm's memory, see wasm-module-on-heap.ts): column sums (bias and norm
// gradients) and one AdamW update. tfjs-backend-wasm 4.22 runs these as chains of scalar kernels (its
// Sqrt, for one, measured ~10 ns per element); four lanes at a time they are bound by memory traffic.

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

/** The module's text, importing `env.memory` (shared for the threaded wasm build). */
export function simdWat(sharedMemory: boolean): string {
  return `(module
(import "env" "memory" (memory 1 ${sharedMemory ? '65536 shared' : ''}))

;; dst[j] = sum over r of src[r*cols + j], j < cols (float32 accumulation, rows in order).
(func (export "colSums") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
  (local $j i32) (local $r i32) (local $vend i32) (local $end i32) (local $q i32) (local $rowb i32)
  (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
  (local.set $rowb (local.get $end))
  (local.set $j (i32.const 0))
  (block $zd (loop $zl (br_if $zd (i32.ge_u (local.get $j) (local.get $end)))
    (f32.store (i32.add (local.get $dst) (local.get $j)) (f32.const 0))
    (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $zl)))
  (local.set $r (local.get $rows))
  (local.set $q (local.get $src))
  (block $rd (loop $rl (br_if $rd (i32.eqz (local.get $r)))
    (local.set $j (i32.const 0))
    (block $vd (loop $vl (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
      (v128.store (i32.add (local.get $dst) (local.get $j)) (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $j))) (v128.load (i32.add (local.get $q) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $vl)))
    (block $td (loop $tl (br_if $td (i32.ge_u (local.get $j) (local.get $end)))
      (f32.store (i32.add (local.get $dst) (local.get $j)) (f32.add (f32.load (i32.add (local.get $dst) (local.get $j))) (f32.load (i32.add (local.get $q) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4))) (br $tl)))
    (local.set $q (i32.add (local.get $q) (local.get $rowb)))
    (local.set $r (i32.sub (local.get $r) (i32.const 1))) (br $rl)))
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
